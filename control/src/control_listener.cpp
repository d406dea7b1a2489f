#include "ballast/control/control_listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ballast::control {
namespace {

bool make_address(const std::string& path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return true;
}

std::string errno_text(int e) {
  return std::strerror(e);
}

}  // namespace

std::optional<PeerCredentials> peer_credentials(int fd) noexcept {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred)
    return std::nullopt;
  return PeerCredentials{cred.uid, cred.pid};
}

std::optional<ControlListener> ControlListener::open(const std::string& path, std::string& error) {
  const std::string where = "control socket " + path;
  sockaddr_un addr{};
  if (!make_address(path, addr)) {
    error = where + ": path must be 1 to " + std::to_string(sizeof addr.sun_path - 1) + " bytes";
    return std::nullopt;
  }
  const uid_t me = ::geteuid();
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      error = where + " exists and is not a socket; refusing to replace it";
      return std::nullopt;
    }
    if (st.st_uid != me) {
      error = where + " is owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " +
              std::to_string(me) + ")";
      return std::nullopt;
    }
    // Someone answering is a live engine; ECONNREFUSED is a socket left by one that died.
    const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) {
      error = where + ": socket: " + errno_text(errno);
      return std::nullopt;
    }
    const int rc = ::connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    const int connect_errno = errno;
    if (rc == 0) {
      const auto peer = peer_credentials(probe);
      ::close(probe);
      error = where + " is in use by another engine" +
              (peer ? " (pid " + std::to_string(peer->pid) + ")" : std::string());
      return std::nullopt;
    }
    ::close(probe);
    if (connect_errno != ECONNREFUSED) {
      error = where + ": cannot tell whether an engine holds it: " + errno_text(connect_errno);
      return std::nullopt;
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      error = where + ": cannot remove the stale socket: " + errno_text(errno);
      return std::nullopt;
    }
  } else if (errno != ENOENT) {
    error = where + ": " + errno_text(errno);
    return std::nullopt;
  }

  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = where + ": socket: " + errno_text(errno);
    return std::nullopt;
  }
  // bind() creates the file with the umask applied: 0177 makes it 0600 from birth, so
  // there is no window in which another user could connect. The umask is process-wide;
  // this runs at start-up, before the pipeline's threads create files.
  const mode_t old_mask = ::umask(0177);
  const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) {
    ::close(fd);
    error = where + ": bind: " + errno_text(bind_errno);
    return std::nullopt;
  }
  struct stat mine {};
  if (::lstat(path.c_str(), &mine) != 0 || !S_ISSOCK(mine.st_mode) ||
      (mine.st_mode & 0777) != 0600 || mine.st_uid != me) {
    ::close(fd);
    ::unlink(path.c_str());
    error = where + ": created with the wrong mode or owner (expected 0600, uid " +
            std::to_string(me) + ")";
    return std::nullopt;
  }
  if (::listen(fd, 16) != 0) {
    const int e = errno;
    ::close(fd);
    ::unlink(path.c_str());
    error = where + ": listen: " + errno_text(e);
    return std::nullopt;
  }
  return ControlListener(fd, path, mine.st_dev, mine.st_ino);
}

ControlListener::ControlListener(ControlListener&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      dev_(other.dev_),
      ino_(other.ino_) {}

ControlListener& ControlListener::operator=(ControlListener&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    dev_ = other.dev_;
    ino_ = other.ino_;
  }
  return *this;
}

ControlListener::~ControlListener() {
  close();
}

void ControlListener::close() noexcept {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  // Only our own socket: after a stale takeover by someone else, theirs stays.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_)
    ::unlink(path_.c_str());
}

}  // namespace ballast::control
