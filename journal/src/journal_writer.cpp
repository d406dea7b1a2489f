// JournalWriter (journal_writer.hpp): the ring, the writer thread and its io_uring.
#include "ballast/journal/journal_writer.hpp"

#include <fcntl.h>
#include <liburing.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "ballast/core/spsc_link.hpp"

namespace ballast::journal {

struct JournalWriter::Impl {
  JournalConfig config;
  int fd = -1;
  io_uring ring{};
  bool ring_ready = false;
  std::uint64_t offset = 0;  // where the next write goes
  SpscLink<JournalEvent, kRingEvents> events;
  std::vector<std::uint8_t> batch;
  std::thread thread;
  std::atomic<bool> running{false};
  // What append() reads on the engine thread, on a line of its own: the writer's counters
  // below change every batch and would otherwise pull this line away on every append.
  alignas(64) std::atomic<bool> closed{false};  // stop() began: an append would be lost
  std::atomic<bool> failed{false};
  alignas(64) std::atomic<std::uint64_t> records{0}, bytes{0}, writes{0}, syncs{0};
  std::atomic<std::uint64_t> ring_full{0};
  mutable std::mutex failure_mu;  // the writer thread sets the text once; readers are cold
  std::string failure;

  ~Impl() {
    if (ring_ready) io_uring_queue_exit(&ring);
    if (fd >= 0) ::close(fd);
  }

  void fail(const char* what, int err) {
    {
      std::lock_guard<std::mutex> lock(failure_mu);
      if (failure.empty()) failure = std::string(what) + ": " + std::strerror(err);
    }
    failed.store(true, std::memory_order_release);
  }

  // One io_uring operation, waited for. Returns the completion's result (-errno on error).
  int submit_one(io_uring_sqe* sqe) {
    if (sqe == nullptr) return -EBUSY;
    int r = io_uring_submit_and_wait(&ring, 1);
    if (r < 0) return r;
    io_uring_cqe* cqe = nullptr;
    while ((r = io_uring_wait_cqe(&ring, &cqe)) == -EINTR) {
    }
    if (r < 0) return r;
    const int res = cqe->res;
    io_uring_cqe_seen(&ring, cqe);
    return res;
  }

  bool write_all(const std::uint8_t* data, std::size_t size) {
    while (size > 0) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (sqe != nullptr) io_uring_prep_write(sqe, fd, data, static_cast<unsigned>(size), offset);
      const int r = submit_one(sqe);
      if (r <= 0) {
        fail("journal write", r == 0 ? EIO : -r);
        return false;
      }
      data += r;
      size -= static_cast<std::size_t>(r);
      offset += static_cast<std::uint64_t>(r);
      writes.fetch_add(1, std::memory_order_relaxed);
    }
    bytes.store(offset, std::memory_order_relaxed);
    return true;
  }

  bool sync() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (sqe != nullptr) io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
    const int r = submit_one(sqe);
    if (r < 0) {
      fail("journal fdatasync", -r);
      return false;
    }
    syncs.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // Pops what is there (up to a batch's room), writes it in one go. Returns events written.
  std::size_t drain_once() {
    std::size_t len = 0, n = 0;
    JournalEvent e;
    while (len + kMaxRecordBytes <= batch.size() && events.try_pop(e)) {
      len += encode_event(e, batch.data() + len);
      ++n;
    }
    if (n > 0 && write_all(batch.data(), len)) records.fetch_add(n, std::memory_order_relaxed);
    return n;
  }

  void run() {
    using clock = std::chrono::steady_clock;
    const auto period = std::chrono::milliseconds(config.sync_ms);
    auto last_sync = clock::now();
    bool dirty = false;
    while (!failed.load(std::memory_order_relaxed)) {
      const bool stopping = !running.load(std::memory_order_acquire);
      const std::size_t n = drain_once();
      dirty = dirty || n > 0;
      const auto now = clock::now();
      if (config.sync == JournalSync::group && dirty && now - last_sync >= period) {
        if (!sync()) return;
        dirty = false;
        last_sync = now;
      }
      if (stopping && events.empty()) break;
      // Idle: a short sleep keeps the thread off the CPU and the sync deadline close.
      if (n == 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    if (config.sync == JournalSync::group && dirty && !failed.load()) sync();
  }
};

namespace {

// The bytes a torn tail held, kept beside the journal (owner only) before they are cut:
// what a crash left half-written is evidence, not garbage.
bool save_torn_tail(int fd, const std::string& path, std::uint64_t from, std::uint64_t to,
                    std::string& error) {
  const std::string side = path + ".torn-" + std::to_string(from);
  std::vector<char> bytes(static_cast<std::size_t>(to - from));
  const ssize_t got = ::pread(fd, bytes.data(), bytes.size(), static_cast<off_t>(from));
  const int out = ::open(side.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  const bool ok = got == static_cast<ssize_t>(bytes.size()) && out >= 0 &&
                  ::write(out, bytes.data(), bytes.size()) == got && ::fsync(out) == 0;
  if (out >= 0) ::close(out);
  if (!ok) error = side + ": cannot keep the torn tail: " + std::strerror(errno);
  return ok;
}

}  // namespace

JournalWriter::JournalWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

JournalWriter::~JournalWriter() {
  stop();
}

std::unique_ptr<JournalWriter> JournalWriter::open(const JournalConfig& config,
                                                   std::uint64_t append_at, const RunStart& run,
                                                   std::string& error, const PortfolioState* seed,
                                                   std::uint64_t scanned_bytes) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  const auto say = [&](const std::string& what) {
    error = config.path + ": " + what + ": " + std::strerror(errno);
    return nullptr;
  };
  const bool existed = ::access(config.path.c_str(), F_OK) == 0;
  impl->fd = ::open(config.path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (impl->fd < 0) return say("cannot open the journal");
  if (::flock(impl->fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      error = config.path + ": the journal is in use by another engine";
      return nullptr;
    }
    return say("cannot lock the journal");
  }
  // A new file's name must survive a power cut too: sync the directory that holds it.
  if (!existed) {
    const std::string dir = std::filesystem::path(config.path).parent_path().string();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  struct stat st {};
  if (::fstat(impl->fd, &st) != 0) return say("cannot stat the journal");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size != scanned_bytes) {
    error = config.path + ": the journal is " + std::to_string(size) + " bytes, " +
            std::to_string(scanned_bytes) +
            " when it was read: another process wrote it meanwhile; not starting";
    return nullptr;
  }
  if (size > append_at) {
    if (!save_torn_tail(impl->fd, config.path, append_at, size, error)) return nullptr;
    if (::ftruncate(impl->fd, static_cast<off_t>(append_at)) != 0)
      return say("cannot cut the torn tail");
  }
  if (const int r = io_uring_queue_init(4, &impl->ring, 0); r < 0) {
    errno = -r;
    return say("io_uring_queue_init");
  }
  impl->ring_ready = true;
  impl->offset = append_at;
  impl->batch.resize(256 * 1024);
  std::size_t n = encode_run_start(run, impl->batch.data());
  if (seed != nullptr) n += encode_seed(*seed, impl->batch.data() + n);
  if (!impl->write_all(impl->batch.data(), n) || !impl->sync()) {
    error = config.path + ": " + impl->failure;
    return nullptr;
  }
  return std::unique_ptr<JournalWriter>(new JournalWriter(std::move(impl)));
}

bool JournalWriter::append(const JournalEvent& event) noexcept {
  if (impl_->failed.load(std::memory_order_relaxed) ||
      impl_->closed.load(std::memory_order_relaxed))
    return false;
  if (!impl_->events.try_push(event)) {
    impl_->ring_full.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void JournalWriter::start() {
  if (impl_->thread.joinable()) return;
  impl_->running.store(true, std::memory_order_release);
  impl_->thread = std::thread([this] { impl_->run(); });
}

void JournalWriter::stop() {
  if (!impl_) return;
  impl_->closed.store(true, std::memory_order_release);
  if (!impl_->thread.joinable()) return;
  impl_->running.store(false, std::memory_order_release);
  impl_->thread.join();
}

JournalWriterStats JournalWriter::stats() const noexcept {
  JournalWriterStats s;
  s.records = impl_->records.load(std::memory_order_relaxed);
  s.bytes = impl_->bytes.load(std::memory_order_relaxed);
  s.writes = impl_->writes.load(std::memory_order_relaxed);
  s.syncs = impl_->syncs.load(std::memory_order_relaxed);
  s.ring_full = impl_->ring_full.load(std::memory_order_relaxed);
  s.failed = impl_->failed.load(std::memory_order_acquire);
  return s;
}

std::string JournalWriter::failure() const {
  std::lock_guard<std::mutex> lock(impl_->failure_mu);
  return impl_->failure;
}

}  // namespace ballast::journal
