// A minimal streaming JSON writer for reports (plan, check-config) and the control
// protocol's lines: objects, arrays, escaped strings, shortest round-trip numbers, and
// exact decimals written verbatim. Reporting and control-thread code only; it allocates.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/decimal.hpp"

namespace ballast {

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
  // Text that is already one valid JSON value (an id or args object echoed as received).
  JsonWriter& raw_value(std::string_view json);

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

}  // namespace ballast
