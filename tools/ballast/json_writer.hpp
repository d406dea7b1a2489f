// A minimal streaming JSON writer for reports (plan, check-config): objects, arrays,
// escaped strings, shortest round-trip numbers, and exact decimals written verbatim.
// Start-up and reporting code only; it allocates.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/decimal.hpp"

namespace ballast::tools {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(double d);  // non-finite numbers are written as null
  JsonWriter& value(long long i);
  JsonWriter& value(bool b);
  JsonWriter& value(const Decimal& d);  // exact decimal text as a JSON number
  JsonWriter& null();

  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  [[nodiscard]] const std::string& str() const { return out_; }

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace ballast::tools
