// CRC-32C (metrics-collector/crc32c.h): the standard check value, and agreement with Boost.CRC's
// byte-at-a-time implementation for every length up to 100 and every alignment.
#include "metrics-collector/crc32c.h"

#include <gtest/gtest.h>

#include <boost/crc.hpp>
#include <random>
#include <string>

namespace tuneup {
namespace {

uint32_t Reference(std::string_view bytes) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

TEST(Crc32cTest, TheStandardCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, AgreesWithBoostCrcAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::string data(200, '\0');
  for (char& c : data)
    c = static_cast<char>(rng());
  for (size_t start = 0; start < 8; ++start) {
    for (size_t length = 0; length <= 100; ++length) {
      const std::string_view piece = std::string_view(data).substr(start, length);
      ASSERT_EQ(Crc32c(piece), Reference(piece)) << "start " << start << ", length " << length;
    }
  }
  EXPECT_EQ(Crc32c(std::string(1 << 20, '\xa5')), Reference(std::string(1 << 20, '\xa5')));
}

}  // namespace
}  // namespace tuneup
