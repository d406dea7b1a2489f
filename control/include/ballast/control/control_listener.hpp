// The control socket's listening end: a Unix stream socket born mode 0600, taken only
// when the path is free or holds a stale socket of ours, and removed on close. Refusing
// here (another engine, a foreign owner, a regular file) is what keeps two engines from
// trading the same account.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace ballast::control {

class ControlListener {
 public:
  // Binds and listens on `path`; on refusal returns nullopt with `error` one line such as
  // "control socket /run/b.sock is in use by another engine (pid 1234)".
  static std::optional<ControlListener> open(const std::string& path, std::string& error);

  ControlListener(ControlListener&& other) noexcept;
  ControlListener& operator=(ControlListener&& other) noexcept;
  ControlListener(const ControlListener&) = delete;
  ControlListener& operator=(const ControlListener&) = delete;
  ~ControlListener();

  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // Closes and unlinks the socket, if the file at the path is still the one we bound.
  void close() noexcept;

 private:
  ControlListener(int fd, std::string path, dev_t dev, ino_t ino) noexcept
      : fd_(fd), path_(std::move(path)), dev_(dev), ino_(ino) {}
  int fd_ = -1;
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

// The uid and pid of the process at the other end of a connected Unix socket.
struct PeerCredentials {
  uid_t uid = 0;
  pid_t pid = 0;
};
[[nodiscard]] std::optional<PeerCredentials> peer_credentials(int fd) noexcept;

}  // namespace ballast::control
