// The console's connection to `ballast run`'s control socket: refuses a socket that is
// not ours (owner uid, file type, SO_PEERCRED), writes request lines, reads reply /
// snapshot / alert lines with a timeout. Errors come back as words; nothing throws.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace ballast::console {

// Why `path` must not be connected to (not a socket, owned by another uid, missing), or
// empty when it looks like our engine's socket.
[[nodiscard]] std::string check_socket_path(const std::string& path);

// The "type" and "ok" of a protocol line, and the refusal's words. Parsed with simdjson.
struct MessageInfo {
  bool parsed = false;  // valid JSON object
  std::string type;     // "reply", "snapshot", "alert", or empty
  bool has_ok = false;  // an "ok" field is present (replies only)
  bool ok = false;      // replies: the "ok" field
  std::string error;    // replies with ok:false: the "error" field
};
[[nodiscard]] MessageInfo inspect_message(std::string_view line);
// A reply (not a snapshot or an alert of a subscription).
[[nodiscard]] inline bool is_reply(const MessageInfo& m) {
  return m.parsed && (m.type == "reply" || (m.type.empty() && m.has_ok));
}

class ControlClient {
 public:
  enum class ReadStatus { line, timeout, closed };

  ControlClient() = default;
  ~ControlClient() { close(); }
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Checks the path, connects, checks the peer's uid. False with error() on failure.
  bool connect(const std::string& socket_path);
  void close();
  [[nodiscard]] bool connected() const { return fd_ >= 0; }
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const std::string& error() const { return error_; }

  // Sends `line` plus the newline; false (and closed) when the engine went away.
  bool send_line(std::string_view line);
  // The next complete line (without its newline) within `timeout`. A timeout of zero
  // only drains what has already arrived. On `closed` error() says why.
  ReadStatus read_line(std::string& line, std::chrono::milliseconds timeout);
  // Sends one request and waits for its reply line, skipping snapshots and alerts.
  // False with error() when the engine is unreachable or silent for `timeout`.
  bool request(std::string_view line, std::string& reply, std::chrono::milliseconds timeout);

 private:
  bool take_buffered_line(std::string& line);

  int fd_ = -1;
  std::string buffer_;  // bytes received past the last complete line
  std::string error_;
};

}  // namespace ballast::console
