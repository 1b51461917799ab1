#include "metrics-collector/tfevent_scalar.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

namespace tuneup {
namespace {

using tfevent::DataType;

enum class Encoding { kFloat32, kFloat64, kFloat16, kBfloat16, kSigned, kUnsigned };

struct ElementType {
  DataType dtype;
  std::string_view name;
  Encoding encoding;
  size_t bytes;
};

constexpr ElementType kNumberTypes[] = {
    {tfevent::DT_FLOAT, "float32", Encoding::kFloat32, 4},
    {tfevent::DT_DOUBLE, "float64", Encoding::kFloat64, 8},
    {tfevent::DT_HALF, "float16", Encoding::kFloat16, 2},
    {tfevent::DT_BFLOAT16, "bfloat16", Encoding::kBfloat16, 2},
    {tfevent::DT_INT8, "int8", Encoding::kSigned, 1},
    {tfevent::DT_INT16, "int16", Encoding::kSigned, 2},
    {tfevent::DT_INT32, "int32", Encoding::kSigned, 4},
    {tfevent::DT_INT64, "int64", Encoding::kSigned, 8},
    {tfevent::DT_UINT8, "uint8", Encoding::kUnsigned, 1},
    {tfevent::DT_UINT16, "uint16", Encoding::kUnsigned, 2},
    {tfevent::DT_UINT32, "uint32", Encoding::kUnsigned, 4},
    {tfevent::DT_UINT64, "uint64", Encoding::kUnsigned, 8},
};

const ElementType* FindNumberType(int dtype) {
  for (const auto& type : kNumberTypes) {
    if (type.dtype == dtype) return &type;
  }
  return nullptr;
}

// Why a tensor of a dtype without numbers is not a metric value.
std::string NotANumber(int dtype) {
  switch (dtype) {
    case tfevent::DT_STRING:
      return "a string tensor, not a number";
    case tfevent::DT_BOOL:
      return "a bool tensor, not a number";
    case tfevent::DT_COMPLEX64:
    case tfevent::DT_COMPLEX128:
      return "a complex tensor, not a number";
    case tfevent::DT_INVALID:
      return "a tensor without a dtype";
    default:
      return "a tensor of dtype " + std::to_string(dtype) + ", not a number";
  }
}

// "[2, 3]", or why the shape has not exactly one element ("" when it has).
std::string NotOneElement(const tfevent::TensorShapeProto& shape) {
  if (shape.unknown_rank()) return "a tensor of unknown rank, not a scalar";
  bool one = true;
  for (const auto& dim : shape.dim())
    one = one && dim.size() == 1;
  if (one) return "";
  constexpr int kShownDims = 8;
  std::string text = "[";
  for (int i = 0; i < shape.dim_size() && i < kShownDims; ++i) {
    if (i > 0) text += ", ";
    const int64_t size = shape.dim(i).size();
    text += size < 0 ? "?" : std::to_string(size);
  }
  if (shape.dim_size() > kShownDims) text += ", ...";
  return "a tensor of shape " + text + "], not a scalar";
}

double Float16ToDouble(uint16_t bits) {
  const int exponent = (bits >> 10) & 0x1f;
  const int mantissa = bits & 0x3ff;
  double magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(mantissa, -24);  // subnormal
  } else if (exponent == 0x1f) {
    magnitude = mantissa == 0 ? std::numeric_limits<double>::infinity()
                              : std::numeric_limits<double>::quiet_NaN();
  } else {
    magnitude = std::ldexp(mantissa + 0x400, exponent - 25);
  }
  return (bits & 0x8000) != 0 ? -magnitude : magnitude;
}

// The element whose little-endian bytes, zero-extended, are `bits`.
double Decode(const ElementType& type, uint64_t bits) {
  switch (type.encoding) {
    case Encoding::kFloat32:
      return std::bit_cast<float>(static_cast<uint32_t>(bits));
    case Encoding::kFloat64:
      return std::bit_cast<double>(bits);
    case Encoding::kFloat16:
      return Float16ToDouble(static_cast<uint16_t>(bits));
    case Encoding::kBfloat16:
      return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
    case Encoding::kSigned: {
      const int unused = 64 - static_cast<int>(type.bytes) * 8;
      return static_cast<double>(static_cast<int64_t>(bits << unused) >> unused);
    }
    case Encoding::kUnsigned:
      return static_cast<double>(bits);
  }
  return 0;
}

TensorScalar FromContent(const ElementType& type, const std::string& content) {
  if (content.size() != type.bytes) {
    return {std::nullopt, "tensor_content holds " + std::to_string(content.size()) +
                              " bytes, not one " + std::string(type.name)};
  }
  uint64_t bits = 0;
  for (size_t i = type.bytes; i-- > 0;)
    bits = (bits << 8) | static_cast<unsigned char>(content[i]);
  return {Decode(type, bits), ""};
}

// The one element of a repeated field (TensorFlow's 0 when it is empty), converted by `convert`,
// which returns nullopt for an element out of the dtype's range.
template <typename Field, typename Convert>
TensorScalar FromField(const ElementType& type, std::string_view field_name, const Field& field,
                       Convert convert) {
  if (field.empty()) return {0.0, ""};
  if (field.size() > 1) {
    return {std::nullopt, std::string(field_name) + " holds " + std::to_string(field.size()) +
                              " values for one " + std::string(type.name)};
  }
  const std::optional<double> value = convert(field.Get(0));
  if (!value) {
    return {std::nullopt, std::string(field_name) + " value " + std::to_string(field.Get(0)) +
                              " is out of range for " + std::string(type.name)};
  }
  return {*value, ""};
}

// An int_val element as a `type` (8 to 32 bits, signed or not).
std::optional<double> NarrowInteger(const ElementType& type, int32_t value) {
  const int bits = static_cast<int>(type.bytes) * 8;
  const int64_t min = type.encoding == Encoding::kSigned ? -(int64_t{1} << (bits - 1)) : 0;
  const int64_t max = type.encoding == Encoding::kSigned ? (int64_t{1} << (bits - 1)) - 1
                                                         : (int64_t{1} << bits) - 1;
  if (value < min || value > max) return std::nullopt;
  return static_cast<double>(value);
}

TensorScalar FromTypedField(const ElementType& type, const tfevent::TensorProto& tensor) {
  switch (type.dtype) {
    case tfevent::DT_FLOAT:
      return FromField(type, "float_val", tensor.float_val(),
                       [](float v) { return std::optional<double>(v); });
    case tfevent::DT_DOUBLE:
      return FromField(type, "double_val", tensor.double_val(),
                       [](double v) { return std::optional<double>(v); });
    case tfevent::DT_HALF:
    case tfevent::DT_BFLOAT16:
      return FromField(type, "half_val", tensor.half_val(),
                       [&type](int32_t v) -> std::optional<double> {
                         if (v < 0 || v > 0xffff) return std::nullopt;
                         return Decode(type, static_cast<uint64_t>(v));
                       });
    case tfevent::DT_INT64:
      return FromField(type, "int64_val", tensor.int64_val(),
                       [](int64_t v) { return std::optional<double>(static_cast<double>(v)); });
    case tfevent::DT_UINT32:
      return FromField(type, "uint32_val", tensor.uint32_val(),
                       [](uint32_t v) { return std::optional<double>(v); });
    case tfevent::DT_UINT64:
      return FromField(type, "uint64_val", tensor.uint64_val(),
                       [](uint64_t v) { return std::optional<double>(static_cast<double>(v)); });
    default:  // the integers of 32 bits and fewer
      return FromField(type, "int_val", tensor.int_val(),
                       [&type](int32_t v) { return NarrowInteger(type, v); });
  }
}

}  // namespace

TensorScalar ReadTensorScalar(const tfevent::TensorProto& tensor) {
  const ElementType* type = FindNumberType(tensor.dtype());
  if (type == nullptr) return {std::nullopt, NotANumber(tensor.dtype())};
  if (std::string problem = NotOneElement(tensor.tensor_shape()); !problem.empty())
    return {std::nullopt, std::move(problem)};
  if (!tensor.tensor_content().empty()) return FromContent(*type, tensor.tensor_content());
  return FromTypedField(*type, tensor);
}

}  // namespace tuneup
