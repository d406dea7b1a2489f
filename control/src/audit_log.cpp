#include "ballast/control/audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <utility>

#include "ballast/core/json_writer.hpp"

namespace ballast::control {

std::string iso8601_utc_ms(std::int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[96];  // room for any int the format could print
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

std::optional<AuditLog> AuditLog::open(const std::string& path, std::string& error) {
  // O_NOFOLLOW: a symlink planted in a shared directory must not redirect our appends.
  // O_NONBLOCK: a FIFO planted there must not hang the engine's start (it is refused
  // below; regular files ignore the flag).
  const int fd =
      ::open(path.c_str(),
             O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
  if (fd < 0) {
    error = "control audit log " + path + ": " +
            (errno == ELOOP   ? std::string("is a symbolic link; refused")
             : errno == ENXIO ? std::string("not a regular file; refused")
                              : std::string(std::strerror(errno)));
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = "control audit log " + path + ": " + std::strerror(errno);
    ::close(fd);
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "control audit log " + path + ": not a regular file; refused";
    ::close(fd);
    return std::nullopt;
  }
  if (st.st_uid != ::geteuid()) {
    error = "control audit log " + path + ": owned by uid " + std::to_string(st.st_uid) +
            ", not by the engine's user (uid " + std::to_string(::geteuid()) + "); refused";
    ::close(fd);
    return std::nullopt;
  }
  // A log that already existed keeps its content but not a looser mode.
  if ((st.st_mode & 0077) != 0 && ::fchmod(fd, 0600) != 0) {
    error = "control audit log " + path + ": cannot make it 0600: " + std::strerror(errno);
    ::close(fd);
    return std::nullopt;
  }
  return AuditLog(fd);
}

AuditLog::AuditLog(AuditLog&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
AuditLog& AuditLog::operator=(AuditLog&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}
AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

bool AuditLog::append(const AuditEntry& e) noexcept {
  if (fd_ < 0) return false;
  try {
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    JsonWriter j;
    j.begin_object();
    j.field("time", iso8601_utc_ms(static_cast<std::int64_t>(now_ms)));
    j.field("uid", static_cast<long long>(e.uid));
    j.field("pid", static_cast<long long>(e.pid));
    j.field("cmd", e.cmd);
    j.key("args").raw_value(e.args_json.empty() ? std::string_view("{}") : e.args_json);
    j.field("ok", e.ok);
    j.field(e.ok ? "result" : "error", e.result);
    j.end_object();
    std::string line = j.str();
    line += '\n';
    // One write(2) per line: with O_APPEND the line lands whole at the end.
    return ::write(fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  } catch (...) {
    return false;
  }
}

}  // namespace ballast::control
