#include "control_client.hpp"

#include <errno.h>
#include <poll.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace ballast::console {
namespace {

// The protocol's bound on a line: a peer sending more without a newline is broken.
constexpr std::size_t kMaxLineBytes = 64 * 1024 + 1;

}  // namespace

std::string check_socket_path(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return "cannot reach control socket " + path + ": " + std::strerror(errno);
  if (!S_ISSOCK(st.st_mode)) return path + " is not a socket; refusing to connect";
  if (st.st_uid != ::geteuid())
    return "control socket " + path + " is owned by uid " + std::to_string(st.st_uid) +
           ", not by you (uid " + std::to_string(::geteuid()) + "); refusing to connect";
  return {};
}

MessageInfo inspect_message(std::string_view line) {
  MessageInfo info;
  try {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    simdjson::dom::object o;
    if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS ||
        doc.get(o) != simdjson::SUCCESS)
      return info;
    info.parsed = true;
    std::string_view s;
    if (o["type"].get(s) == simdjson::SUCCESS) info.type = std::string(s);
    bool ok = false;
    if (o["ok"].get(ok) == simdjson::SUCCESS) {
      info.has_ok = true;
      info.ok = ok;
    }
    if (o["error"].get(s) == simdjson::SUCCESS) info.error = std::string(s);
  } catch (...) {
    info.parsed = false;
  }
  return info;
}

bool ControlClient::connect(const std::string& socket_path) {
  close();
  error_ = check_socket_path(socket_path);
  if (!error_.empty()) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    error_ = "control socket path " + socket_path + " is too long";
    return false;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    error_ = "cannot connect to " + socket_path + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  // The path could have been swapped between the stat and the connect: the kernel's
  // word on who is listening is the one that counts.
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    error_ = std::string("SO_PEERCRED: ") + std::strerror(errno);
    ::close(fd);
    return false;
  }
  if (cred.uid != ::geteuid()) {
    error_ = "the process on " + socket_path + " runs as uid " + std::to_string(cred.uid) +
             ", not as you (uid " + std::to_string(::geteuid()) + "); refusing to talk to it";
    ::close(fd);
    return false;
  }
  fd_ = fd;
  buffer_.clear();
  return true;
}

void ControlClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool ControlClient::send_line(std::string_view line) {
  if (fd_ < 0) {
    error_ = "not connected";
    return false;
  }
  std::string text(line);
  text += '\n';
  std::size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = ::send(fd_, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = std::string("engine connection lost: ") + std::strerror(errno);
      close();
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool ControlClient::take_buffered_line(std::string& line) {
  const std::size_t nl = buffer_.find('\n');
  if (nl == std::string::npos) return false;
  line.assign(buffer_, 0, nl);
  buffer_.erase(0, nl + 1);
  return true;
}

ControlClient::ReadStatus ControlClient::read_line(std::string& line,
                                                   std::chrono::milliseconds timeout) {
  if (take_buffered_line(line)) return ReadStatus::line;
  if (fd_ < 0) {
    error_ = "not connected";
    return ReadStatus::closed;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::max<long long>(left.count(), 0)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      error_ = std::string("poll: ") + std::strerror(errno);
      close();
      return ReadStatus::closed;
    }
    if (r == 0) return ReadStatus::timeout;
    char buf[8192];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      error_ = n == 0 ? "engine closed the connection"
                      : std::string("engine connection lost: ") + std::strerror(errno);
      close();
      return ReadStatus::closed;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
    if (take_buffered_line(line)) return ReadStatus::line;
    if (buffer_.size() > kMaxLineBytes) {
      error_ = "engine sent a line longer than 64 KiB";
      close();
      return ReadStatus::closed;
    }
  }
}

bool ControlClient::request(std::string_view line, std::string& reply,
                            std::chrono::milliseconds timeout) {
  if (!send_line(line)) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      error_ = "no reply from the engine within " + std::to_string(timeout.count()) + " ms";
      return false;
    }
    switch (read_line(reply, left)) {
      case ReadStatus::line:
        if (is_reply(inspect_message(reply))) return true;
        break;  // a snapshot or alert of a subscription: not the answer
      case ReadStatus::timeout:
        error_ = "no reply from the engine within " + std::to_string(timeout.count()) + " ms";
        return false;
      case ReadStatus::closed:
        return false;
    }
  }
}

}  // namespace ballast::console
