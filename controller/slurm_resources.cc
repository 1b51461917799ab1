#include "controller/slurm_resources.h"

#include <limits>
#include <string>

#include "common/error.h"

namespace tuneup {

namespace {

using Wide = unsigned __int128;
constexpr Wide kWideLimit = Wide{1} << 120;

// a * b, or 0 with `ok` cleared when it would pass kWideLimit.
Wide Multiply(Wide a, Wide b, bool& ok) {
  if (a != 0 && b > kWideLimit / a) {
    ok = false;
    return 0;
  }
  return a * b;
}

Wide Power(Wide base, int exponent, bool& ok) {
  Wide result = 1;
  for (int i = 0; i < exponent && ok; ++i)
    result = Multiply(result, base, ok);
  return result;
}

struct Suffix {
  int decimal = 0;  // power of ten
  int binary = 0;   // power of 1024
};

std::optional<Suffix> ParseSuffix(std::string_view text) {
  if (text.empty()) return Suffix{};
  static constexpr std::string_view kBinary[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  for (int i = 0; i < 6; ++i)
    if (text == kBinary[i]) return Suffix{0, i + 1};
  static constexpr std::pair<std::string_view, int> kDecimal[] = {{"n", -9}, {"u", -6}, {"m", -3},
                                                                  {"k", 3},  {"M", 6},  {"G", 9},
                                                                  {"T", 12}, {"P", 15}, {"E", 18}};
  for (const auto& [name, power] : kDecimal)
    if (text == name) return Suffix{power, 0};
  if (text.front() != 'e' && text.front() != 'E') return std::nullopt;
  text.remove_prefix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 2) return std::nullopt;
  int power = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    power = power * 10 + (c - '0');
  }
  return Suffix{negative ? -power : power, 0};
}

std::string QuantityText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  // YAML `cpu: 0.5`: the shortest decimal that reads back as the same double (may be 1e-05).
  if (value.is_number_float()) return value.dump();
  return "";
}

}  // namespace

std::optional<int64_t> QuantityCeil(std::string_view text, int64_t unit_numerator,
                                    int64_t unit_denominator) {
  if (unit_numerator <= 0 || unit_denominator <= 0) return std::nullopt;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  Wide mantissa = 0;
  int digits = 0;
  int fraction_digits = 0;
  bool in_fraction = false;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !in_fraction) {
      in_fraction = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    if (++digits > 30) return std::nullopt;
    mantissa = mantissa * 10 + static_cast<unsigned>(c - '0');
    if (in_fraction) ++fraction_digits;
  }
  if (digits == 0) return std::nullopt;
  std::optional<Suffix> suffix = ParseSuffix(text.substr(i));
  if (!suffix) return std::nullopt;
  const int decimal = suffix->decimal - fraction_digits;
  bool ok = true;
  Wide numerator = Multiply(mantissa, Power(1024, suffix->binary, ok), ok);
  numerator = Multiply(numerator, static_cast<Wide>(unit_denominator), ok);
  Wide denominator = static_cast<Wide>(unit_numerator);
  if (decimal >= 0) {
    numerator = Multiply(numerator, Power(10, decimal, ok), ok);
  } else {
    denominator = Multiply(denominator, Power(10, -decimal, ok), ok);
  }
  if (!ok) return std::nullopt;
  Wide result = (numerator + denominator - 1) / denominator;
  if (result > static_cast<Wide>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(result);
}

SlurmResources SlurmResourcesOf(const Json& resources) {
  SlurmResources result;
  if (resources.is_null()) return result;
  if (!resources.is_object()) {
    throw Error(ErrorCode::kInvalidArgument, "resources: must be an object");
  }
  // The limit if there is one, else the request; nullptr when neither says.
  auto find = [&](const char* name, std::string& path) -> const Json* {
    for (const char* section : {"limits", "requests"}) {
      auto it = resources.find(section);
      if (it == resources.end() || !it->is_object()) continue;
      auto value = it->find(name);
      if (value == it->end()) continue;
      path = std::string("resources.") + section + "." + name;
      return &*value;
    }
    return nullptr;
  };
  auto read = [&](const char* name, int64_t unit_numerator, int64_t unit_denominator,
                  const char* expected) -> int64_t {
    std::string path;
    const Json* value = find(name, path);
    if (value == nullptr) return 0;
    std::string text = QuantityText(*value);
    std::optional<int64_t> amount = QuantityCeil(text, unit_numerator, unit_denominator);
    if (!amount) {
      throw Error(ErrorCode::kInvalidArgument,
                  path + ": " + expected + ", got " + (text.empty() ? value->dump() : text));
    }
    return *amount;
  };
  result.cpus = read("cpu", 1, 1, "must be a CPU quantity such as 2, 1.5 or 500m");
  result.memory_mb =
      read("memory", int64_t{1} << 20, 1, "must be a memory quantity such as 512Mi, 2Gi or 1G");
  std::string gpu_path;
  if (const Json* gpus = find("nvidia.com/gpu", gpu_path)) {
    std::string text = QuantityText(*gpus);
    std::optional<int64_t> whole = QuantityCeil(text, 1);
    std::optional<int64_t> milli = QuantityCeil(text, 1, 1000);
    if (!whole || !milli || *milli != *whole * 1000) {
      throw Error(ErrorCode::kInvalidArgument, gpu_path + ": must be a whole number of GPUs, got " +
                                                   (text.empty() ? gpus->dump() : text));
    }
    result.gpus = *whole;
  }
  return result;
}

}  // namespace tuneup
