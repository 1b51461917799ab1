#include "controller/cli.h"

int main(int argc, char** argv) {
  return tuneup::CliMain(argc, argv);
}
