// The flat-object fast path of the JSON metrics parser (metrics-collector/flat_json.h): whatever
// it accepts, nlohmann::json must read identically, event for event; what it declines goes to
// nlohmann anyway, so declining is always safe but must stay rare for ordinary metrics lines.
#include "metrics-collector/flat_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/mutate.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A line's events as text, numbers by their bits so that 0 and -0 differ.
using Events = std::vector<std::string>;

std::string NumberEvent(double value) {
  return "number " + std::to_string(std::bit_cast<uint64_t>(value));
}

// Records nlohmann's SAX events, numbers converted to double as the JSON metrics parser does.
class Recorder final : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return Add("null"); }
  bool boolean(bool value) override { return Add(value ? "true" : "false"); }
  bool number_integer(number_integer_t value) override {
    return Add(NumberEvent(static_cast<double>(value)));
  }
  bool number_unsigned(number_unsigned_t value) override {
    return Add(NumberEvent(static_cast<double>(value)));
  }
  bool number_float(number_float_t value, const string_t&) override {
    return Add(NumberEvent(value));
  }
  bool string(string_t& value) override { return Add("string " + value); }
  bool binary(binary_t&) override { return Add("binary"); }
  bool start_object(std::size_t) override { return Add("{"); }
  bool end_object() override { return Add("}"); }
  bool start_array(std::size_t) override { return Add("["); }
  bool end_array() override { return Add("]"); }
  bool key(string_t& key) override { return Add("key " + key); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

  Events events;

 private:
  bool Add(std::string event) {
    events.push_back(std::move(event));
    return true;
  }
};

// nlohmann's events for `line`, or nothing when it does not parse.
Events NlohmannEvents(std::string_view line) {
  Recorder recorder;
  if (!nlohmann::json::sax_parse(line, &recorder)) return {};
  return recorder.events;
}

// The fast path's events for `line`, or nothing when it declines.
Events FlatEvents(std::string_view line) {
  std::vector<FlatJsonField> fields;
  if (!ParseFlatJsonObject(line, fields)) return {};
  Events events = {"{"};
  for (const auto& field : fields) {
    events.push_back("key " + std::string(field.key));
    switch (field.kind) {
      case FlatJsonField::Kind::kString:
        events.push_back("string " + std::string(field.text));
        break;
      case FlatJsonField::Kind::kNumber:
        events.push_back(NumberEvent(field.number));
        break;
      case FlatJsonField::Kind::kTrue:
        events.push_back("true");
        break;
      case FlatJsonField::Kind::kFalse:
        events.push_back("false");
        break;
      case FlatJsonField::Kind::kNull:
        events.push_back("null");
        break;
    }
  }
  events.push_back("}");
  return events;
}

TEST(FlatJsonTest, ReadsMetricsLinesAsNlohmannDoes) {
  for (
      std::string line : {
          R"({"epoch": 7, "loss": 0.8391331232371795, "accuracy": "0.706250", )"
          R"("timestamp": "2026-11-23T08:32:07.000007+00:00"})",
          R"({})",
          " \t{ \"a\" :1 ,\"b\":-2.5E+3,\"c\":true,\"d\":false,\"e\":null,\"f\":\"\"}\t \r",
          R"({"zero": 0, "minus zero": -0, "float minus zero": -0.0, "exp": 1e-5})",
          R"({"big": 18446744073709551615, "bigger": 18446744073709551616, "tiny": 4.9e-324})",
          R"({"min": -9223372036854775808, "below": -9223372036854775809, "d": 1.7976931348623157e308})",
          R"({"loss": 0.5, "loss": 0.1, "": "", "del": "x)"
          "\x7f"
          R"("})",
      }) {
    Events flat = FlatEvents(line);
    EXPECT_THAT(flat, ::testing::Not(IsEmpty())) << line;
    EXPECT_EQ(flat, NlohmannEvents(line)) << line;
  }
  EXPECT_THAT(FlatEvents(R"({"minus zero": -0})"),
              ElementsAre("{", "key minus zero", NumberEvent(0.0), "}"));
}

TEST(FlatJsonTest, DeclinesWhatNeedsTheFullParser) {
  for (std::string line :
       {// Valid JSON the fast path leaves to nlohmann.
        R"({"a": {"b": 1}})", R"({"a": [1]})", R"({"a": "\n"})", R"({"a\u00e9": 1})",
        "{\"a\": \"\xc3\xa9\"}", "\xef\xbb\xbf{\"a\": 1}", R"({"a": 1e-400})",
        // Not JSON (or not an object).
        R"({"a": 1e999})", R"({"a": 01})", R"({"a": +1})", R"({"a": 1.})", R"({"a": .5})",
        R"({"a": 1e})", R"({"a": -})", R"({"a": 1,})", R"({"a" 1})", R"({"a": 1} x)",
        R"({"a": NaN})", R"({"a": tru})", R"({"a": truex})", "{\"a\": \"\x01\"}", R"({"a": 1)",
        R"({"a": "x)", R"({a: 1})", R"([1])", R"(1)", R"("a")", "", "{", "{\"a\":", "{,}",
        R"({"a": 1 "b": 2})", R"({"a": 1}})", "{\"a\": 1}\v"}) {
    EXPECT_THAT(FlatEvents(line), IsEmpty()) << line;
  }
}

TEST(FlatJsonTest, MutantsItAcceptsReadAsNlohmannReadsThem) {
  const std::vector<std::string> seeds = {
      R"({"epoch": 12, "loss": 0.8391331232371795, "accuracy": "0.706250", )"
      R"("timestamp": "2026-11-23T08:32:07.000007+00:00"})",
      R"({"step": 0, "loss": -0, "ok": true, "note": null, "lr": 1e-3, "x": false})",
      R"({"a": 123456789012345678901234567890, "b": -1.5E+300, "c": "", "d": 4.9e-324})"};
  testing::MutationOptions options;
  options.insertable = "{}[]\":,-+.eE0 \\u";
  int accepted = 0;
  for (const auto& line : testing::Mutants(seeds, 20'000, options)) {
    Events flat = FlatEvents(line);
    if (flat.empty()) continue;
    ++accepted;
    ASSERT_EQ(flat, NlohmannEvents(line)) << line;
  }
  // Mutants that stay valid flat objects (digits flipped, spaces inserted, ...) are common
  // enough to exercise the comparison.
  EXPECT_GT(accepted, 1'000);
}

}  // namespace
}  // namespace tuneup
