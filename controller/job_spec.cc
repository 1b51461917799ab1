#include "controller/job_spec.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace tuneup {

namespace fs = std::filesystem;

void WriteJobSpec(const JobSpec& spec) {
  nlohmann::json json = {{"executable", spec.executable},
                         {"argv", spec.argv},
                         {"env", spec.env},
                         {"working_dir", spec.working_dir},
                         {"directory", spec.directory},
                         {"background", spec.background},
                         {"nice", spec.nice}};
  const fs::path path = fs::path(spec.directory) / kJobSpecFile;
  std::ofstream out(path, std::ios::trunc);
  out << json.dump();
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

JobSpec ReadJobSpec(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read job spec " + path);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) throw std::runtime_error(path + ": not a JSON object");
  JobSpec spec;
  auto field = [&](const char* name, auto& target) {
    auto it = json.find(name);
    if (it == json.end()) throw std::runtime_error(path + ": missing field " + name);
    try {
      it->get_to(target);
    } catch (const nlohmann::json::exception&) {
      throw std::runtime_error(path + ": field " + name + " has the wrong type");
    }
  };
  field("executable", spec.executable);
  field("argv", spec.argv);
  field("env", spec.env);
  field("working_dir", spec.working_dir);
  field("directory", spec.directory);
  field("background", spec.background);
  field("nice", spec.nice);
  if (spec.argv.empty()) throw std::runtime_error(path + ": argv is empty");
  if (spec.executable.empty()) throw std::runtime_error(path + ": executable is empty");
  return spec;
}

std::string JobStatusToJson(const JobStatus& status) {
  nlohmann::json json = {{"exit_code", status.exit_code},
                         {"signal", status.signal},
                         {"error", status.error},
                         {"started_at", status.started_at},
                         {"ended_at", status.ended_at}};
  return json.dump();
}

std::optional<JobStatus> ReadJobStatus(const std::string& directory) {
  const fs::path path = fs::path(directory) / kJobStatusFile;
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  JobStatus status;
  if (text.str().empty()) {
    status.ended = false;
    return status;
  }
  nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  try {
    status.exit_code = json.at("exit_code").get<int>();
    status.signal = json.at("signal").get<int>();
    status.error = json.at("error").get<std::string>();
    status.started_at = json.at("started_at").get<double>();
    status.ended_at = json.at("ended_at").get<double>();
  } catch (const nlohmann::json::exception&) {
    status = JobStatus{};
    status.error = path.string() + " is unreadable: " + text.str().substr(0, 200);
  }
  return status;
}

}  // namespace tuneup
