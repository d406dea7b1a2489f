// Text the simulated FIX venue writes (exact decimals, FIX times, unique ids) and the
// verdicts it gives inbound messages; shared by venue_fix_server.cpp and
// venue_fix_market_data.cpp. Private to sim/fix.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <utility>

#include "ballast/core/decimal.hpp"
#include "ballast/venue/order_checks.hpp"
#include "venue_fix_server.hpp"

namespace ballast::venue::fix_text {

using venue_fix::InboundOrder;
using venue_fix::InboundVerdict;

inline InboundVerdict verdict(InboundVerdict::Kind kind, int tag) {
  InboundVerdict v;
  v.kind = kind;
  v.tag = tag;
  return v;
}

// steps x step as exact decimal text ("0.250" for 250 lots of 0.001 is "0.25").
inline std::string steps_text(std::int64_t steps, const Decimal& step) {
  std::int64_t units = 0;
  if (__builtin_mul_overflow(steps, step.units, &units)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.8f", static_cast<double>(steps) * step.to_double());
    return buf;
  }
  return Decimal{units, step.scale}.normalized().to_string();
}

// A double as plain FIX float text (no exponent), trailing zeros trimmed.
inline std::string float_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.8f", v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

// A rate or other small number: up to 12 decimals, no exponent.
inline std::string rate_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0" || s.empty()) s = "0";
  return s;
}

// ExecIDs (and FundingIDs) unique across the process and across venue restarts: the
// process's start time in ms, then a counter shared by every server in the process.
inline std::string next_unique_id(char kind) {
  static const std::string prefix = [] {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    return std::to_string(ms) + "-";
  }();
  static std::atomic<std::uint64_t> counter{0};
  return std::string(1, kind) + prefix + std::to_string(counter.fetch_add(1) + 1);
}

// FIX UTCTimestamp (ms) for Unix ns.
inline std::string utc_text(std::int64_t ns) {
  const std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  const int ms = static_cast<int>((ns / 1'000'000) % 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d:%02d:%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms < 0 ? 0 : ms);
  return buf;
}

inline char fix_side(Side s) {
  return s == Side::buy ? '1' : '2';
}
inline char fix_tif(TimeInForce t) {
  switch (t) {
    case TimeInForce::ioc:
      return '3';
    case TimeInForce::fok:
      return '4';
    default:
      return '1';
  }
}

// OrdStatus of an order still live with `cum` filled.
inline char live_status(std::int64_t cum) {
  return cum > 0 ? '1' : '0';
}

}  // namespace ballast::venue::fix_text
