// The control audit log: one JSON line per operator command (who, when, what, outcome),
// appended to a 0600 file opened O_APPEND so concurrent writers never interleave within
// a line. Written by the control thread only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ballast::control {

struct AuditEntry {
  uid_t uid = 0;
  pid_t pid = 0;
  std::string_view cmd;
  std::string_view args_json = "{}";  // the args object as received
  bool ok = false;
  std::string_view result;  // ok: a short summary; else the error
};

class AuditLog {
 public:
  // Opens (creating mode 0600) `path`; nullopt with `error` when it cannot.
  static std::optional<AuditLog> open(const std::string& path, std::string& error);
  AuditLog(AuditLog&& other) noexcept;
  AuditLog& operator=(AuditLog&& other) noexcept;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;
  ~AuditLog();

  // One line; false when the write failed (the command has already happened).
  bool append(const AuditEntry& entry) noexcept;

 private:
  explicit AuditLog(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

// "2026-12-01T03:14:15.123Z" for a wall-clock time in milliseconds since the epoch.
[[nodiscard]] std::string iso8601_utc_ms(std::int64_t unix_ms);

}  // namespace ballast::control
