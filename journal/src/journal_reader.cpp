// scan_journal (journal_reader.hpp): a window over the file, decode_record at each frame,
// and the torn-or-corrupt decision at the first bad one.
#include "ballast/journal/journal_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace ballast::journal {
namespace {

constexpr std::size_t kWindow = 64 * 1024;
static_assert(kWindow >= 2 * kMaxRecordBytes, "a window holds any record with room to refill");

// Bytes from a file descriptor or from memory, read forward only.
struct ByteSource {
  int fd = -1;
  const std::uint8_t* mem = nullptr;
  std::uint64_t size = 0;
  std::uint64_t at = 0;
  bool failed = false;
  std::string error;

  std::size_t read(std::uint8_t* dst, std::size_t n) {
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, size - at));
    if (mem != nullptr) {
      std::memcpy(dst, mem + at, n);
      at += n;
      return n;
    }
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::read(fd, dst + got, n - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        failed = r < 0;
        if (failed) error = std::strerror(errno);
        size = at + got;  // shorter than fstat said: it is what there is
        break;
      }
      got += static_cast<std::size_t>(r);
    }
    at += got;
    return got;
  }
};

class Scanner {
 public:
  Scanner(ByteSource& src, const std::function<bool(const JournalRecord&)>& on_record,
          std::uint64_t from)
      : src_(src), on_record_(on_record), from_(from), buf_(kWindow) {}

  JournalScan run() {
    scan_.opened = true;
    scan_.file_bytes = src_.size;
    refill();
    while (true) {
      if (pos_ == have_ && src_.at == src_.size) break;  // a clean end
      JournalRecord rec;
      const Decoded d = decode_record(buf_.data() + pos_, have_ - pos_, rec);
      if (d.status == DecodeStatus::need_more && src_.at < src_.size) {
        refill();
        continue;
      }
      if (d.status != DecodeStatus::ok && d.status != DecodeStatus::unknown_type) {
        classify_bad(d);
        break;
      }
      rec.offset = base_ + pos_;
      if (!take(rec, d.status)) break;
      pos_ += d.size;
      scan_.valid_bytes = base_ + pos_;
    }
    if (src_.failed) {
      scan_.opened = false;
      scan_.error = "read failed: " + src_.error;
    }
    scan_.file_bytes = src_.size;
    return scan_;
  }

 private:
  // False stops the scan: the callback asked to, or the file does not start as a journal.
  bool take(const JournalRecord& rec, DecodeStatus status) {
    const bool first = base_ + pos_ == 0;
    if (first && (status != DecodeStatus::ok || rec.type != RecordType::run_start)) {
      scan_.first_is_run_start = false;
      return false;
    }
    if (status == DecodeStatus::unknown_type) {
      ++scan_.skipped;
    } else {
      const std::uint64_t index = seen_++;
      if (index >= from_) {
        ++scan_.records;
        if (!on_record_(rec)) return false;
      }
    }
    return true;
  }

  void refill() {
    if (pos_ > 0) {
      std::memmove(buf_.data(), buf_.data() + pos_, have_ - pos_);
      base_ += pos_;
      have_ -= pos_;
      pos_ = 0;
    }
    have_ += src_.read(buf_.data() + have_, buf_.size() - have_);
  }

  // The first bad frame at base_ + pos_. Torn (a crash mid-write: cut it, go on) only when
  // it is the last thing in the file: no whole, checksummed frame starts after it (a
  // damaged length in the middle makes a frame look as if it ran past the end), beyond a
  // record's reach there are only zeros (a file extended before its data landed), it is
  // not a checksummed frame with impossible fields (that one was written whole), and at
  // offset 0 its bytes could begin a journal. Anything else is corruption at its offset.
  void classify_bad(const Decoded& d) {
    const std::uint64_t at = base_ + pos_;
    scan_.valid_bytes = at;
    const bool torn = d.status != DecodeStatus::bad_payload && tail_is_torn(at);
    if (torn) {
      scan_.torn = at < src_.size;
      return;
    }
    scan_.corrupt_offset = at;
    scan_.corrupt_status = d.status;
  }

  bool tail_is_torn(std::uint64_t at) {
    refill();  // the window now starts at `at`
    if (at == 0 && !could_begin_a_journal()) return false;
    const std::size_t reach = std::min(have_, 2 * kMaxRecordBytes);
    JournalRecord probe;
    for (std::size_t k = 1; k < reach; ++k) {
      const DecodeStatus st = decode_record(buf_.data() + k, have_ - k, probe).status;
      if (st == DecodeStatus::ok || st == DecodeStatus::unknown_type) return false;
    }
    pos_ = reach;
    return only_zeros_from_here();
  }

  // The first bytes of a file agree with a run_start frame as far as they go.
  [[nodiscard]] bool could_begin_a_journal() const {
    static constexpr char kMagic[8] = {'B', 'L', 'S', 'T', 'J', 'R', 'N', 'L'};
    std::uint32_t len = 0;
    if (have_ >= 4) std::memcpy(&len, buf_.data(), 4);
    if (have_ >= 4 && (len == 0 || len > kMaxPayloadBytes)) return false;
    const std::uint8_t type_lo = static_cast<std::uint8_t>(RecordType::run_start);
    if (have_ > 8 && buf_[8] != type_lo) return false;
    if (have_ > 9 && buf_[9] != 0) return false;
    for (std::size_t k = 12; k < std::min<std::size_t>(have_, 20); ++k)
      if (buf_[k] != static_cast<std::uint8_t>(kMagic[k - 12])) return false;
    return true;
  }

  bool only_zeros_from_here() {
    while (true) {
      const bool zero = std::all_of(buf_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                    buf_.begin() + static_cast<std::ptrdiff_t>(have_),
                                    [](std::uint8_t b) { return b == 0; });
      if (!zero) return false;
      if (src_.at == src_.size) return true;
      base_ += have_;
      pos_ = have_ = 0;
      have_ = src_.read(buf_.data(), buf_.size());
    }
  }

  ByteSource& src_;
  const std::function<bool(const JournalRecord&)>& on_record_;
  std::uint64_t from_;
  std::uint64_t seen_ = 0;
  std::vector<std::uint8_t> buf_;
  std::uint64_t base_ = 0;  // file offset of buf_[0]
  std::size_t pos_ = 0;
  std::size_t have_ = 0;
  JournalScan scan_;
};

}  // namespace

JournalScan scan_journal(const std::string& path,
                         const std::function<bool(const JournalRecord&)>& on_record,
                         std::uint64_t from_record) {
  JournalScan failed;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    failed.missing = errno == ENOENT;
    failed.error = path + ": " + std::strerror(errno);
    return failed;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    failed.error = path + ": not a regular file";
    ::close(fd);
    return failed;
  }
  ByteSource src;
  src.fd = fd;
  src.size = static_cast<std::uint64_t>(st.st_size);
  JournalScan scan = Scanner(src, on_record, from_record).run();
  if (!scan.opened) scan.error = path + ": " + scan.error;
  ::close(fd);
  return scan;
}

JournalScan scan_journal_bytes(const std::uint8_t* data, std::size_t size,
                               const std::function<bool(const JournalRecord&)>& on_record,
                               std::uint64_t from_record) {
  ByteSource src;
  src.mem = data;
  src.size = size;
  return Scanner(src, on_record, from_record).run();
}

}  // namespace ballast::journal
