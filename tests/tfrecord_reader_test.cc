// TFRecord framing (metrics-collector/tfrecord_reader.h): the masked CRC-32C checked against
// values worked out by hand, records cut at every byte boundary, partial records that wait, and
// each kind of damage costing as little as possible, with a warning.
#include "metrics-collector/tfrecord_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/tfevent_files.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;
using testing::TfRecord;

using Records = std::vector<std::pair<std::string, uint64_t>>;  // data, offset

class Harness {
 public:
  explicit Harness(size_t max_record_bytes = size_t{16} << 20)
      : limiter_([this](std::string_view message) { warnings.emplace_back(message); }),
        reader_(TfRecordReaderOptions{max_record_bytes}, limiter_) {}
  Harness& Feed(std::string_view bytes) {
    reader_.Feed(bytes, [this](std::string_view data, uint64_t offset) {
      records.emplace_back(std::string(data), offset);
    });
    return *this;
  }
  // Feeds `bytes` in pieces of `piece` bytes.
  Harness& FeedInPieces(std::string_view bytes, size_t piece) {
    for (size_t pos = 0; pos < bytes.size(); pos += piece)
      Feed(bytes.substr(pos, piece));
    return *this;
  }
  Harness& Finish() {
    reader_.Finish();
    return *this;
  }

  Records records;
  std::vector<std::string> warnings;

 private:
  WarningLimiter limiter_;
  TfRecordReader reader_;
};

TEST(MaskedCrc32cTest, TheCheckValueOfCrc32cMaskedByHand) {
  // CRC-32C("123456789") is 0xe3069283, the standard check value of the Castagnoli CRC.
  //   rotated right by 15: (0xe3069283 >> 15) | (0xe3069283 << 17)
  //                      = 0x0001c60d | 0x25060000 = 0x2507c60d
  //   plus 0xa282ead8:     0x2507c60d + 0xa282ead8 = 0xc78ab0e5
  EXPECT_EQ(MaskedCrc32c("123456789"), 0xc78ab0e5u);
}

TEST(MaskedCrc32cTest, MatchesAFileWrittenByTensorFlow) {
  // The checksum TensorFlow wrote after Event{file_version: "CRC test, one two"}, as TensorBoard
  // records it in its own tests.
  EXPECT_EQ(MaskedCrc32c("\x1a\x11"
                         "CRC test, one two"),
            0x5794d08au);
}

// That event, framed byte by byte: the length 19 and CRC-32C(13 00 00 00 00 00 00 00) masked,
// 0x1b32910c, both little endian, then the data and its checksum above.
const std::string kHandBuiltRecord = std::string("\x13\x00\x00\x00\x00\x00\x00\x00", 8) +
                                     "\x0c\x91\x32\x1b" + "\x1a\x11" + "CRC test, one two" +
                                     "\x8a\xd0\x94\x57";

TEST(TfRecordReaderTest, ReadsARecordBuiltByHand) {
  Harness h;
  h.Feed(kHandBuiltRecord).Finish();
  EXPECT_THAT(h.records, ElementsAre(Pair("\x1a\x11"
                                          "CRC test, one two",
                                          0u)));
  EXPECT_THAT(h.warnings, IsEmpty());
  EXPECT_EQ(TfRecord("\x1a\x11"
                     "CRC test, one two"),
            kHandBuiltRecord);  // the tests' own framing agrees
}

// Three records: empty, one byte, 300 bytes; offsets 0, 16, 33.
std::string ThreeRecords() {
  return TfRecord("") + TfRecord("x") + TfRecord(std::string(300, 'y'));
}
const Records kThree = {{"", 0}, {"x", 16}, {std::string(300, 'y'), 33}};

TEST(TfRecordReaderTest, RecordsSplitAtEveryByteBoundary) {
  const std::string bytes = ThreeRecords();
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    Harness h;
    h.Feed(std::string_view(bytes).substr(0, cut)).Feed(std::string_view(bytes).substr(cut));
    h.Finish();
    EXPECT_EQ(h.records, kThree) << "cut at " << cut;
    EXPECT_THAT(h.warnings, IsEmpty()) << "cut at " << cut;
  }
  for (size_t piece = 1; piece <= 40; ++piece) {
    Harness h;
    h.FeedInPieces(bytes, piece).Finish();
    EXPECT_EQ(h.records, kThree) << "pieces of " << piece;
    EXPECT_THAT(h.warnings, IsEmpty());
  }
}

TEST(TfRecordReaderTest, APartialRecordWaitsForTheRest) {
  const std::string bytes = ThreeRecords();
  Harness h;
  h.Feed(std::string_view(bytes).substr(0, bytes.size() - 1));
  EXPECT_THAT(h.records, SizeIs(2));
  EXPECT_THAT(h.warnings, IsEmpty());  // a writer may be in the middle of it
  h.Feed(std::string_view(bytes).substr(bytes.size() - 1)).Finish();
  EXPECT_EQ(h.records, kThree);
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(TfRecordReaderTest, ARecordCutShortIsReportedAtFinish) {
  const std::string bytes = ThreeRecords();
  Harness h;
  h.Feed(std::string_view(bytes).substr(0, bytes.size() - 5)).Finish();
  EXPECT_THAT(h.records, SizeIs(2));
  EXPECT_THAT(h.warnings, ElementsAre("offset 33: the file ends inside a record of 300 bytes "
                                      "(311 of 316 bytes written); ignored"));

  Harness header;
  header.Feed(std::string_view(bytes).substr(0, 16 + 5)).Finish();
  EXPECT_THAT(header.records, SizeIs(1));
  EXPECT_THAT(header.warnings, ElementsAre("offset 16: the file ends inside a record header (5 "
                                           "of 12 bytes); ignored"));
}

TEST(TfRecordReaderTest, ARecordWithBadDataIsSkippedAndTheNextOneRead) {
  std::string bytes = ThreeRecords();
  bytes[16 + 12] = 'z';  // the data of the second record
  for (size_t piece : {size_t{1}, size_t{7}, bytes.size()}) {
    Harness h;
    h.FeedInPieces(bytes, piece).Finish();
    EXPECT_EQ(h.records, (Records{kThree[0], kThree[2]})) << "pieces of " << piece;
    EXPECT_THAT(h.warnings,
                ElementsAre("offset 16: record of 1 bytes fails its data checksum; skipped"));
  }
  std::string bad_footer = ThreeRecords();
  bad_footer[16 + 13] ^= 1;  // the second record's data checksum itself
  Harness h;
  h.Feed(bad_footer).Finish();
  EXPECT_EQ(h.records, (Records{kThree[0], kThree[2]}));
  EXPECT_THAT(h.warnings, SizeIs(1));
}

TEST(TfRecordReaderTest, ABadLengthLosesTheFramingUntilTheNextValidHeader) {
  std::string bytes = ThreeRecords();
  bytes[16] = '\x05';  // the second record's length: its checksum no longer matches
  for (size_t piece = 1; piece <= bytes.size(); piece += (piece < 20 ? 1 : 37)) {
    Harness h;
    h.FeedInPieces(bytes, piece).Finish();
    EXPECT_EQ(h.records, (Records{kThree[0], kThree[2]})) << "pieces of " << piece;
    EXPECT_THAT(h.warnings, ElementsAre("offset 16: corrupt record header (its length checksum "
                                        "does not match); looking for the next valid header",
                                        "offset 33: found a valid record header after skipping "
                                        "17 bytes"))
        << "pieces of " << piece;
  }
}

TEST(TfRecordReaderTest, GarbageBeforeAndBetweenRecordsIsSkipped) {
  const std::string garbage = "not a record, only text written into the file by mistake";
  Harness h;
  h.Feed(garbage + TfRecord("a") + garbage + TfRecord("b")).Finish();
  EXPECT_THAT(h.records,
              ElementsAre(Pair("a", garbage.size()), Pair("b", 2 * garbage.size() + 17)));
  EXPECT_THAT(h.warnings, SizeIs(4));  // lost and found, twice
}

TEST(TfRecordReaderTest, NothingButGarbageEndsWithOneWarningAtFinish) {
  Harness h;
  h.Feed(std::string(1000, '\xab')).Finish();
  EXPECT_THAT(h.records, IsEmpty());
  EXPECT_THAT(h.warnings,
              ElementsAre("offset 0: corrupt record header (its length checksum does not match); "
                          "looking for the next valid header",
                          "offset 0: the file ends without another valid record header (1000 "
                          "bytes skipped)"));
}

TEST(TfRecordReaderTest, ARecordLongerThanTheLimitIsSkippedUnread) {
  const std::string bytes = TfRecord("a") + TfRecord(std::string(200, 'b')) + TfRecord("c");
  for (size_t piece : {size_t{1}, size_t{13}, bytes.size()}) {
    Harness h(100);
    h.FeedInPieces(bytes, piece).Finish();
    EXPECT_THAT(h.records, ElementsAre(Pair("a", 0u), Pair("c", 233u))) << piece;
    EXPECT_THAT(h.warnings, ElementsAre("offset 17: record of 200 bytes is larger than the limit "
                                        "(100 bytes); skipped unread"));
  }
  Harness cut(100);
  cut.Feed(std::string_view(bytes).substr(0, 17 + 12 + 50)).Finish();
  EXPECT_THAT(cut.warnings, ElementsAre(::testing::_,
                                        "offset 79: the file ends 154 bytes before "
                                        "the end of the oversized record"));
}

TEST(TfRecordReaderTest, AHugeLengthWithAValidChecksumIsNeverBuffered) {
  // 2^62 bytes announced: skipped, and what follows is part of it, to the end of the file.
  const std::string length = testing::LittleEndian(uint64_t{1} << 62, 8);
  const std::string header = length + testing::LittleEndian(MaskedCrc32c(length), 4);
  Harness h;
  h.Feed(header + std::string(1 << 20, 'x') + TfRecord("a")).Finish();
  EXPECT_THAT(h.records, IsEmpty());
  EXPECT_THAT(h.warnings, SizeIs(2));
}

TEST(TfRecordReaderTest, ALargeRecordArrivingInSmallPieces) {
  std::string data(3 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>(i * 7);
  const std::string bytes = TfRecord("first") + TfRecord(data) + TfRecord("last");
  Harness h;
  h.FeedInPieces(bytes, 4096).Finish();
  ASSERT_THAT(h.records, SizeIs(3));
  EXPECT_EQ(h.records[1].first, data);
  EXPECT_EQ(h.records[2].first, "last");
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(TfRecordReaderTest, WarningsAreLimited) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    std::string record = TfRecord("data");
    record[13] ^= 1;
    bytes += record;
  }
  Harness h;
  h.Feed(bytes).Finish();
  EXPECT_THAT(h.warnings, SizeIs(101));
  EXPECT_EQ(h.warnings.back(), "further warnings suppressed (100 shown)");
}

}  // namespace
}  // namespace tuneup
