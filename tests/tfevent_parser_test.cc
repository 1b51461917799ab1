// Katib's TensorFlowEvent collector for one event file (metrics-collector/tfevent_parser.h):
// scalars and scalar tensors of every dtype, wall times, Katib's tag and directory rule, and
// everything that is not a number skipped with a warning that names the record.
#include "metrics-collector/tfevent_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "common/text.h"
#include "metrics-collector/tfevent_scalar.h"
#include "tests/support/mutate.h"
#include "tests/support/parser_harness.h"
#include "tests/support/tfevent_files.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using testing::FileVersionRecord;
using testing::FloatTensor;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using testing::ScalarRecord;
using ::testing::SizeIs;
using testing::TensorRecord;
using testing::TfRecord;

const Timestamp kNow = Timestamp(std::chrono::seconds(1'800'000'000));
constexpr double kWall = 1'700'000'000.25;

class Harness : public testing::ParserHarness {
 public:
  explicit Harness(std::vector<std::string> names = {"loss", "accuracy"},
                   std::string directory = "/var/log/katib/tfevent",
                   size_t max_record_bytes = size_t{16} << 20)
      : ParserHarness(kNow) {
    TfEventParserOptions options;
    options.metric_names = std::move(names);
    options.directory = std::move(directory);
    options.max_record_bytes = max_record_bytes;
    options.warn = CaptureWarnings();
    parser = MakeTfEventMetricParser(std::move(options));
  }
};

TEST(TfEventParserTest, ScalarsInRecordOrderWithTheirWallTimes) {
  Harness h;
  h.Feed(FileVersionRecord(kWall) + ScalarRecord(kWall + 1, 1, "loss", 0.5f) +
         ScalarRecord(kWall + 2, 1, "accuracy", 0.75f) +
         ScalarRecord(kWall + 3, 2, "learning_rate", 0.1f) +
         ScalarRecord(kWall + 4, 2, "loss", 0.25f))
      .Finish();
  EXPECT_THAT(h.values(),
              ElementsAre(Pair("loss", 0.5), Pair("accuracy", 0.75), Pair("loss", 0.25)));
  ASSERT_THAT(h.observations, SizeIs(3));
  EXPECT_EQ(FormatRfc3339(h.observations[0].time), "2023-11-14T22:13:21.250000Z");
  EXPECT_EQ(FormatRfc3339(h.observations[2].time), "2023-11-14T22:13:24.250000Z");
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(TfEventParserTest, WallTimesKeepTheirFractionOfASecond) {
  Harness h;
  h.Feed(ScalarRecord(1'700'000'000.123456, 1, "loss", 1)).Finish();
  ASSERT_THAT(h.observations, SizeIs(1));
  const auto since_epoch = h.observations[0].time.time_since_epoch();
  EXPECT_NEAR(std::chrono::duration<double>(since_epoch).count(), 1'700'000'000.123456, 1e-6);
  EXPECT_EQ(std::chrono::round<std::chrono::microseconds>(since_epoch).count() % 1'000'000, 123456);
}

TEST(TfEventParserTest, AnEventWithoutAWallTimeTakesTheArrivalTime) {
  Harness h;
  h.Feed(ScalarRecord(0, 1, "loss", 1) +
         ScalarRecord(std::numeric_limits<double>::infinity(), 2, "loss", 2) +
         ScalarRecord(-5, 3, "loss", 3))
      .Finish();
  ASSERT_THAT(h.observations, SizeIs(3));
  for (const auto& o : h.observations)
    EXPECT_EQ(o.time, kNow);
  EXPECT_THAT(h.warnings, ElementsAre(HasSubstr("(step 2): wall_time inf is not a time; using the "
                                                "arrival time"),
                                      HasSubstr("(step 3): wall_time -5 is not a time")));
}

TEST(TfEventParserTest, ScalarTensorsAreValues) {
  tfevent::TensorProto matrix_of_one = FloatTensor(0.125f);
  matrix_of_one.mutable_tensor_shape()->add_dim()->set_size(1);
  matrix_of_one.mutable_tensor_shape()->add_dim()->set_size(1);
  Harness h;
  h.Feed(TensorRecord(kWall, 1, "loss", FloatTensor(0.5f)) +
         TensorRecord(kWall, 2, "loss", matrix_of_one))
      .Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 0.5), Pair("loss", 0.125)));
  EXPECT_THAT(h.warnings, IsEmpty());
}

// One dtype's element, written in its typed field and as tensor_content.
struct DtypeCase {
  std::string name;
  tfevent::DataType dtype;
  std::function<void(tfevent::TensorProto&)> set_field;
  std::string content;  // little endian
  double expected;
};

void PrintTo(const DtypeCase& c, std::ostream* out) {
  *out << c.name;
}

class TensorDtypeTest : public ::testing::TestWithParam<DtypeCase> {};

TEST_P(TensorDtypeTest, FromTheTypedFieldAndFromTensorContent) {
  const DtypeCase& c = GetParam();
  tfevent::TensorProto typed;
  typed.set_dtype(c.dtype);
  c.set_field(typed);
  tfevent::TensorProto raw;
  raw.set_dtype(c.dtype);
  raw.set_tensor_content(c.content);
  raw.mutable_tensor_shape()->add_dim()->set_size(1);

  TensorScalar from_field = ReadTensorScalar(typed);
  ASSERT_TRUE(from_field.value) << from_field.problem;
  EXPECT_EQ(*from_field.value, c.expected);
  TensorScalar from_content = ReadTensorScalar(raw);
  ASSERT_TRUE(from_content.value) << from_content.problem;
  EXPECT_EQ(*from_content.value, c.expected);

  Harness h;
  h.Feed(TensorRecord(kWall, 1, "loss", typed) + TensorRecord(kWall, 2, "loss", raw)).Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", c.expected), Pair("loss", c.expected)));
  EXPECT_THAT(h.warnings, IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    EveryNumberDtype, TensorDtypeTest,
    ::testing::Values(
        DtypeCase{"float32", tfevent::DT_FLOAT, [](auto& t) { t.add_float_val(0.5f); },
                  std::string("\x00\x00\x00\x3f", 4), 0.5},
        DtypeCase{"float64", tfevent::DT_DOUBLE, [](auto& t) { t.add_double_val(-0.1); },
                  std::string("\x9a\x99\x99\x99\x99\x99\xb9\xbf", 8), -0.1},
        // float16 0x3c01 = 1 + 2^-10; bfloat16 0xc040 = -3.
        DtypeCase{"float16", tfevent::DT_HALF, [](auto& t) { t.add_half_val(0x3c01); },
                  std::string("\x01\x3c", 2), 1 + 1.0 / 1024},
        DtypeCase{"bfloat16", tfevent::DT_BFLOAT16, [](auto& t) { t.add_half_val(0xc040); },
                  std::string("\x40\xc0", 2), -3},
        DtypeCase{"int8", tfevent::DT_INT8, [](auto& t) { t.add_int_val(-3); },
                  std::string("\xfd", 1), -3},
        DtypeCase{"int16", tfevent::DT_INT16, [](auto& t) { t.add_int_val(-300); },
                  std::string("\xd4\xfe", 2), -300},
        DtypeCase{"int32", tfevent::DT_INT32, [](auto& t) { t.add_int_val(-70000); },
                  std::string("\x90\xee\xfe\xff", 4), -70000},
        DtypeCase{"int64", tfevent::DT_INT64, [](auto& t) { t.add_int64_val(-(int64_t{1} << 40)); },
                  std::string("\x00\x00\x00\x00\x00\xff\xff\xff", 8), -1099511627776.0},
        DtypeCase{"uint8", tfevent::DT_UINT8, [](auto& t) { t.add_int_val(200); },
                  std::string("\xc8", 1), 200},
        DtypeCase{"uint16", tfevent::DT_UINT16, [](auto& t) { t.add_int_val(60000); },
                  std::string("\x60\xea", 2), 60000},
        DtypeCase{"uint32", tfevent::DT_UINT32, [](auto& t) { t.add_uint32_val(4'000'000'000u); },
                  std::string("\x00\x28\x6b\xee", 4), 4'000'000'000.0},
        DtypeCase{"uint64", tfevent::DT_UINT64,
                  [](auto& t) { t.add_uint64_val(uint64_t{1} << 53); },
                  std::string("\x00\x00\x00\x00\x00\x00\x20\x00", 8), 9007199254740992.0}),
    [](const ::testing::TestParamInfo<DtypeCase>& info) { return info.param.name; });

TEST(TensorScalarTest, Float16EdgeCases) {
  auto half = [](int32_t bits) {
    tfevent::TensorProto t;
    t.set_dtype(tfevent::DT_HALF);
    t.add_half_val(bits);
    return ReadTensorScalar(t);
  };
  EXPECT_EQ(half(0x0001).value, std::ldexp(1.0, -24));  // the smallest subnormal
  EXPECT_EQ(half(0x7bff).value, 65504);                 // the largest finite
  EXPECT_EQ(half(0x8000).value, 0);
  EXPECT_EQ(half(0xfc00).value, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*half(0x7e00).value));
  EXPECT_EQ(half(0x10000).problem, "half_val value 65536 is out of range for float16");
}

TEST(TensorScalarTest, AnEmptyTypedFieldIsZeroAsInTensorFlow) {
  tfevent::TensorProto t;
  t.set_dtype(tfevent::DT_FLOAT);
  EXPECT_EQ(ReadTensorScalar(t).value, 0.0);
}

TEST(TensorScalarTest, WhatIsNotANumberSaysWhy) {
  auto problem = [](const std::function<void(tfevent::TensorProto&)>& fill) {
    tfevent::TensorProto t;
    t.set_dtype(tfevent::DT_FLOAT);
    fill(t);
    TensorScalar scalar = ReadTensorScalar(t);
    EXPECT_FALSE(scalar.value);
    return scalar.problem;
  };
  EXPECT_EQ(problem([](auto& t) { t.set_dtype(tfevent::DT_STRING); }),
            "a string tensor, not a number");
  EXPECT_EQ(problem([](auto& t) { t.set_dtype(tfevent::DT_BOOL); }), "a bool tensor, not a number");
  EXPECT_EQ(problem([](auto& t) { t.set_dtype(tfevent::DT_COMPLEX64); }),
            "a complex tensor, not a number");
  EXPECT_EQ(problem([](auto& t) { t.set_dtype(tfevent::DT_INVALID); }), "a tensor without a dtype");
  EXPECT_EQ(problem([](auto& t) { t.set_dtype(static_cast<tfevent::DataType>(77)); }),
            "a tensor of dtype 77, not a number");
  EXPECT_EQ(problem([](auto& t) {
              t.mutable_tensor_shape()->add_dim()->set_size(2);
              t.mutable_tensor_shape()->add_dim()->set_size(-1);
            }),
            "a tensor of shape [2, ?], not a scalar");
  EXPECT_EQ(problem([](auto& t) { t.mutable_tensor_shape()->add_dim()->set_size(0); }),
            "a tensor of shape [0], not a scalar");
  EXPECT_EQ(problem([](auto& t) { t.mutable_tensor_shape()->set_unknown_rank(true); }),
            "a tensor of unknown rank, not a scalar");
  EXPECT_EQ(problem([](auto& t) { t.set_tensor_content("abc"); }),
            "tensor_content holds 3 bytes, not one float32");
  EXPECT_EQ(problem([](auto& t) {
              t.add_float_val(1);
              t.add_float_val(2);
            }),
            "float_val holds 2 values for one float32");
  EXPECT_EQ(problem([](auto& t) {
              t.set_dtype(tfevent::DT_INT8);
              t.add_int_val(128);
            }),
            "int_val value 128 is out of range for int8");
  EXPECT_EQ(problem([](auto& t) {
              t.set_dtype(tfevent::DT_UINT16);
              t.add_int_val(-1);
            }),
            "int_val value -1 is out of range for uint16");
}

TEST(TfEventParserTest, ValuesThatAreNotFiniteNumbersAreSkippedWithAWarning) {
  tfevent::TensorProto text;
  text.set_dtype(tfevent::DT_STRING);
  text.mutable_tensor_shape()->add_dim()->set_size(1);
  tfevent::TensorProto histogram = FloatTensor(0);
  histogram.mutable_tensor_shape()->add_dim()->set_size(30);
  histogram.mutable_tensor_shape()->add_dim()->set_size(3);
  Harness h;
  h.Feed(ScalarRecord(kWall, 1, "loss", std::numeric_limits<float>::quiet_NaN()) +
         TensorRecord(kWall, 2, "loss", FloatTensor(std::numeric_limits<float>::infinity())) +
         TensorRecord(kWall, 3, "accuracy/text_summary", text) +
         TensorRecord(kWall, 4, "accuracy_histogram", histogram) +
         ScalarRecord(kWall, 5, "loss", 0.5f))
      .Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 0.5)));
  const size_t record = testing::ScalarRecord(kWall, 1, "loss", 0).size();
  EXPECT_THAT(h.warnings,
              ElementsAre("record at offset 0 (step 1), tag \"loss\": value nan is not a finite "
                          "number; skipped",
                          "record at offset " + std::to_string(record) +
                              " (step 2), tag \"loss\": value inf is not a finite number; skipped",
                          HasSubstr("(step 3), tag \"accuracy/text_summary\": a string tensor, "
                                    "not a number; skipped"),
                          HasSubstr("(step 4), tag \"accuracy_histogram\": a tensor of shape [30, "
                                    "3], not a scalar; skipped")));
}

TEST(TfEventParserTest, ValuesOfOtherTagsAreNeverDecoded) {
  tfevent::TensorProto text;
  text.set_dtype(tfevent::DT_STRING);
  Harness h;
  h.Feed(ScalarRecord(kWall, 1, "val_loss", std::numeric_limits<float>::quiet_NaN()) +
         TensorRecord(kWall, 2, "notes", text))
      .Finish();
  EXPECT_THAT(h.observations, IsEmpty());
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(TfEventParserTest, HistogramsImagesAndAudioArePassedOverSilently) {
  // Summary.Value{tag: "loss_histogram", histo (field 5): {min (field 1): 0}} and an image
  // (field 4), written by hand: our description of the format leaves those kinds out.
  std::string histogram_value =
      std::string("\x0a\x0eloss_histogram") + "\x2a\x09\x09" + std::string(8, '\0');
  std::string image_value = std::string("\x0a\x0aloss_image") + "\x22\x02\x08\x01";
  std::string summary = "\x0a" + std::string(1, static_cast<char>(histogram_value.size())) +
                        histogram_value + "\x0a" +
                        std::string(1, static_cast<char>(image_value.size())) + image_value;
  std::string event = std::string("\x10\x01") + "\x2a" +
                      std::string(1, static_cast<char>(summary.size())) + summary;
  Harness h;
  h.Feed(TfRecord(event) + ScalarRecord(kWall, 2, "loss", 1)).Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 1)));
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(TfEventParserTest, OneSummaryWithSeveralValues) {
  tfevent::Summary::Value loss;
  loss.set_tag("loss");
  loss.set_simple_value(0.5f);
  tfevent::Event event = testing::SummaryEvent(kWall, 7, loss);
  tfevent::Summary::Value* accuracy = event.mutable_summary()->add_value();
  accuracy->set_tag("accuracy");
  *accuracy->mutable_tensor() = FloatTensor(0.875f);
  Harness h;
  h.Feed(TfRecord(testing::Serialized(event))).Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 0.5), Pair("accuracy", 0.875)));
}

TEST(TfEventParserTest, ATensorNamedOnlyByItsNodeTakesTheNodeNameAsTag) {
  tfevent::Summary::Value value;
  value.set_node_name("accuracy");
  *value.mutable_tensor() = FloatTensor(0.5f);
  tfevent::Summary::Value scalar;
  scalar.set_node_name("loss");  // not for simple values, as in TensorBoard
  scalar.set_simple_value(1);
  Harness h;
  h.Feed(TfRecord(testing::Serialized(testing::SummaryEvent(kWall, 1, value))) +
         TfRecord(testing::Serialized(testing::SummaryEvent(kWall, 1, scalar))))
      .Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("accuracy", 0.5)));
}

TEST(KatibTagMatchesTest, APlainMetricNameIsATagPrefixInAnyDirectory) {
  EXPECT_TRUE(KatibTagMatches("accuracy", "accuracy", "/logs"));
  EXPECT_TRUE(KatibTagMatches("accuracy", "accuracy_top1", "/logs/train"));
  EXPECT_TRUE(KatibTagMatches("accuracy", "accuracy/text_summary", ""));
  EXPECT_FALSE(KatibTagMatches("accuracy", "val_accuracy", "/logs"));
  EXPECT_FALSE(KatibTagMatches("accuracy", "Accuracy", "/logs"));
  EXPECT_FALSE(KatibTagMatches("accuracy", "acc", "/logs"));
}

TEST(KatibTagMatchesTest, ADirectoryPrefixMustEndTheFilesDirectory) {
  EXPECT_TRUE(KatibTagMatches("train/accuracy", "accuracy", "/logs/train"));
  EXPECT_TRUE(KatibTagMatches("train/accuracy", "accuracy_top1", "/logs/train"));
  EXPECT_TRUE(KatibTagMatches("train/accuracy", "accuracy", "/logs/pretrain"));  // as text
  EXPECT_FALSE(KatibTagMatches("train/accuracy", "accuracy", "/logs/validation"));
  EXPECT_FALSE(KatibTagMatches("train/accuracy", "accuracy", "/logs/train/run1"));
  EXPECT_FALSE(KatibTagMatches("train/accuracy", "train/accuracy", "/logs/train"));
  EXPECT_TRUE(KatibTagMatches("logs/train/accuracy", "accuracy", "/var/logs/train"));
  EXPECT_FALSE(KatibTagMatches("logs/train/accuracy", "accuracy", "/var/train"));
  // The collector's own directory counts: a file right in /var/log/katib/tfevent.
  EXPECT_TRUE(KatibTagMatches("tfevent/loss", "loss", "/var/log/katib/tfevent"));
  // Python's dirname drops trailing slashes, except from a root.
  EXPECT_TRUE(KatibTagMatches("train//accuracy", "accuracy", "/logs/train"));
  EXPECT_TRUE(KatibTagMatches("/accuracy", "accuracy", "/"));
  EXPECT_FALSE(KatibTagMatches("/accuracy", "accuracy", "/logs"));
}

TEST(TfEventParserTest, MetricsNamedWithADirectoryTakeOnlyThatDirectorysFiles) {
  const std::string events =
      ScalarRecord(kWall, 1, "accuracy", 0.5f) + ScalarRecord(kWall, 1, "loss", 0.25f);
  const std::vector<std::string> names = {"train/accuracy", "validation/accuracy", "loss"};
  Harness train(names, "/var/log/katib/tfevent/train");
  train.Feed(events).Finish();
  EXPECT_THAT(train.values(), ElementsAre(Pair("train/accuracy", 0.5), Pair("loss", 0.25)));
  Harness validation(names, "/var/log/katib/tfevent/validation");
  validation.Feed(events).Finish();
  EXPECT_THAT(validation.values(),
              ElementsAre(Pair("validation/accuracy", 0.5), Pair("loss", 0.25)));
}

TEST(TfEventParserTest, OneValueCanBelongToSeveralMetrics) {
  Harness h({"acc", "accuracy", "loss"});
  h.Feed(ScalarRecord(kWall, 1, "accuracy", 0.5f)).Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("acc", 0.5), Pair("accuracy", 0.5)));
}

TEST(TfEventParserTest, RecordsThatAreNotEventsAreSkippedWithAWarning) {
  // Intact records (their checksums hold) whose data is no protocol buffer: a varint that never
  // ends, and a summary field announcing 16 bytes where there is 1.
  Harness h;
  h.Feed(TfRecord("\xff\xff\xff") + TfRecord("\x2a\x10\x0a") + ScalarRecord(kWall, 3, "loss", 2))
      .Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 2)));
  EXPECT_THAT(h.warnings, ElementsAre("record at offset 0: not an Event; skipped",
                                      "record at offset 19: not an Event; skipped"));
}

TEST(TfEventParserTest, ADamagedSummaryKeepsTheValuesBeforeTheDamage) {
  tfevent::Summary::Value loss;
  loss.set_tag("loss");
  loss.set_simple_value(1);
  std::string good_value;
  loss.SerializeToString(&good_value);
  // Event{step: 4, summary: {value: <good>, value: <length 16 but 1 byte>}}, the summary's own
  // length covering all of it, so that only the summary is invalid.
  std::string summary =
      "\x0a" + std::string(1, static_cast<char>(good_value.size())) + good_value + "\x0a\x10\x0a";
  std::string event = std::string("\x10\x04") + "\x2a" +
                      std::string(1, static_cast<char>(summary.size())) + summary;
  Harness h;
  h.Feed(TfRecord(event)).Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 1)));
  EXPECT_THAT(h.warnings, ElementsAre("record at offset 0 (step 4): the summary is not a valid "
                                      "Summary; the rest of it is skipped"));
}

TEST(TfEventParserTest, ATensorTooLargeToBeAScalarIsNotDecoded) {
  tfevent::TensorProto big = FloatTensor(0);
  big.clear_float_val();
  big.set_tensor_content(std::string(100'000, '\0'));
  Harness h;
  h.Feed(TensorRecord(kWall, 1, "loss", big)).Finish();
  EXPECT_THAT(h.observations, IsEmpty());
  EXPECT_THAT(h.warnings, ElementsAre(HasSubstr("tag \"loss\": a tensor of 100008 bytes, too large "
                                                "to be a scalar")));
}

TEST(TfEventParserTest, TagsAreQuotedInWarnings) {
  Harness h({"loss"});
  h.Feed(ScalarRecord(kWall, 1, "loss\x1b[31m", std::numeric_limits<float>::quiet_NaN())).Finish();
  ASSERT_THAT(h.warnings, SizeIs(1));
  EXPECT_THAT(h.warnings[0], HasSubstr("tag \"loss\\x1b[31m\""));
}

TEST(TfEventParserTest, FramingWarningsGoThroughTheSameSink) {
  Harness h;
  std::string events = ScalarRecord(kWall, 1, "loss", 1);
  h.Feed(events.substr(0, events.size() - 2)).Finish();
  EXPECT_THAT(h.observations, IsEmpty());
  EXPECT_THAT(h.warnings, ElementsAre(HasSubstr("the file ends inside a record")));
}

TEST(TfEventParserTest, SplitFeedsAtEveryByteBoundary) {
  const std::string bytes = FileVersionRecord(kWall) + ScalarRecord(kWall, 1, "loss", 0.5f) +
                            TensorRecord(kWall, 2, "accuracy", FloatTensor(0.25f));
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    Harness h;
    h.Feed(std::string_view(bytes).substr(0, cut)).Feed(std::string_view(bytes).substr(cut));
    h.Finish();
    EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 0.5), Pair("accuracy", 0.25))) << cut;
    EXPECT_THAT(h.warnings, IsEmpty());
  }
}

// Peak resident memory of this process so far, in KiB.
long PeakRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(TfEventParserTest, TenThousandMutatedFilesNeverCrashHangOrGrow) {
  // Seeded mutations of valid event files: bytes flipped, inserted, deleted and cut, so that
  // lengths, checksums, protocol buffer tags and tensors all break somewhere. Each mutant is a
  // file of its own, fed in two pieces; then all of them follow each other in one stream.
  tfevent::TensorProto matrix = FloatTensor(1);
  matrix.mutable_tensor_shape()->add_dim()->set_size(2);
  tfevent::TensorProto half;
  half.set_dtype(tfevent::DT_HALF);
  half.set_tensor_content(std::string("\x00\x38", 2));
  const std::vector<std::string> seeds = {
      FileVersionRecord(kWall) + ScalarRecord(kWall + 1, 1, "loss", 0.5f) +
          ScalarRecord(kWall + 2, 2, "accuracy", 0.75f),
      TensorRecord(kWall, 3, "loss", FloatTensor(0.25f)) + TensorRecord(kWall, 4, "loss", half) +
          TensorRecord(kWall, 5, "accuracy", matrix),
      ScalarRecord(kWall, 6, "accuracy_top1", 0.5f) + TfRecord(std::string(40, 'x'))};
  testing::MutationOptions options;
  options.insertable = std::string_view("\x00\x01\x08\x0a\x10\x12\x1a\x2a\x42\xff\x80", 11);
  const std::vector<std::string> mutants = testing::Mutants(seeds, 10'000, options);

  const long rss_before = PeakRssKib();
  const auto start = std::chrono::steady_clock::now();
  size_t observations = 0;
  auto check = [&](const Harness& h) {
    for (const auto& o : h.observations) {
      EXPECT_TRUE(std::isfinite(o.value));
      EXPECT_TRUE(o.metric == "loss" || o.metric == "accuracy") << o.metric;
    }
    EXPECT_LE(h.warnings.size(), 101u);
    observations += h.observations.size();
  };
  std::string all;
  for (const auto& mutant : mutants) {
    Harness h({"loss", "accuracy"}, "/logs", 1 << 16);
    const size_t cut = mutant.size() / 3;
    h.Feed(std::string_view(mutant).substr(0, cut)).Feed(std::string_view(mutant).substr(cut));
    h.Finish();
    check(h);
    all += mutant;
  }
  Harness stream({"loss", "accuracy"}, "/logs", 1 << 16);
  stream.Feed(all).Finish();
  check(stream);
  const auto elapsed = std::chrono::steady_clock::now() - start;

  EXPECT_GT(observations, 5'000u);  // many mutants keep some of their values
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_LT(PeakRssKib() - rss_before, 64 * 1024) << "peak memory grew by more than 64 MiB";
}

}  // namespace
}  // namespace tuneup
