// AsyncFileStore (see async_file_store.hpp). C++14, QuickFIX island.
#include "async_file_store.hpp"

#include <fcntl.h>
#include <quickfix/FieldConvertors.h>
#include <quickfix/Utility.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace ballast {
namespace gateways {
namespace fix {
namespace {

const std::size_t kSeqRecord = 23;  // "%010d : %010d"
const int kSenderOffset = 0;
const int kTargetOffset = 13;
const std::size_t kWakeBytes = 1 << 20;  // a batch this large wakes the writer early

// Ten zero-padded digits (FileStore's %10.10d for 0 <= value < 10^10).
void ten_digits(int value, char* out) {
  unsigned v = value < 0 ? 0u : static_cast<unsigned>(value);
  for (int i = 9; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

bool write_all_at(int fd, const char* data, std::size_t size, long offset) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<long>(n);
  }
  return true;
}

// The whole seqnums record ("%010d : %010d") in one pwrite.
bool write_seq_record(int fd, int next_sender, int next_target) {
  char record[kSeqRecord];
  ten_digits(next_sender, record + kSenderOffset);
  std::memcpy(record + 10, " : ", 3);
  ten_digits(next_target, record + kTargetOffset);
  return write_all_at(fd, record, kSeqRecord, 0);
}

bool append_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"

AsyncFileStore::AsyncFileStore(const std::string& path_in, const FIX::SessionID& id,
                               int flush_interval_ms)
    : flush_interval_ms_(flush_interval_ms > 0 ? flush_interval_ms : 1) {
  std::string path = path_in;
  FIX::file_mkdir(path.c_str());
  if (path.empty()) path = ".";
  std::string sessionid = id.getBeginString().getString() + "-" + id.getSenderCompID().getString() +
                          "-" + id.getTargetCompID().getString();
  if (!id.getSessionQualifier().empty()) sessionid += "-" + id.getSessionQualifier();
  const std::string prefix = FIX::file_appendpath(path, sessionid + ".");
  body_name_ = prefix + "body";
  header_name_ = prefix + "header";
  seqnums_name_ = prefix + "seqnums";
  session_name_ = prefix + "session";

  std::lock_guard<std::mutex> io(io_mutex_);
  load();
  open_files(false);
  writer_ = std::thread(&AsyncFileStore::writer_loop, this);
}

AsyncFileStore::~AsyncFileStore() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  std::lock_guard<std::mutex> io(io_mutex_);
  write_pending();
  close_files();
}

// What FileStore's populateCache reads, in the same formats.
void AsyncFileStore::load() {
  offsets_.clear();
  next_sender_ = 1;
  next_target_ = 1;
  if (FILE* f = std::fopen(header_name_.c_str(), "r")) {
    int num = 0;
    long offset = 0;
    unsigned long size = 0;
    while (std::fscanf(f, "%d,%ld,%lu ", &num, &offset, &size) == 3)
      offsets_[num] = std::make_pair(offset, static_cast<std::size_t>(size));
    std::fclose(f);
  }
  if (FILE* f = std::fopen(seqnums_name_.c_str(), "r")) {
    int sender = 0, target = 0;
    if (std::fscanf(f, "%d : %d", &sender, &target) == 2) {
      next_sender_ = sender;
      next_target_ = target;
    }
    std::fclose(f);
  }
  bool have_time = false;
  if (FILE* f = std::fopen(session_name_.c_str(), "r")) {
    char time[32] = {0};
    if (std::fscanf(f, "%31s", time) == 1) {
      try {
        creation_time_ = FIX::UtcTimeStampConvertor::convert(std::string(time));
        have_time = true;
      } catch (const FIX::FieldConvertError&) {
      }
    }
    std::fclose(f);
  }
  if (!have_time) {
    creation_time_.setCurrent();
    write_session_file();
  }
}

void AsyncFileStore::write_session_file() {
  const std::string text = FIX::UtcTimeStampConvertor::convert(creation_time_);
  const int fd = ::open(session_name_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw FIX::ConfigError("Could not open session file: " + session_name_);
  const bool ok = append_all(fd, text.data(), text.size());
  ::close(fd);
  if (!ok) throw FIX::ConfigError("Could not write session file: " + session_name_);
}

void AsyncFileStore::open_files(bool truncate) {
  const int trunc = truncate ? O_TRUNC : 0;
  body_fd_ = ::open(body_name_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | trunc, 0666);
  if (body_fd_ < 0) throw FIX::ConfigError("Could not open body file: " + body_name_);
  header_fd_ =
      ::open(header_name_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | trunc, 0666);
  if (header_fd_ < 0) throw FIX::ConfigError("Could not open header file: " + header_name_);
  seq_fd_ = ::open(seqnums_name_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | trunc, 0666);
  if (seq_fd_ < 0) throw FIX::ConfigError("Could not open seqnums file: " + seqnums_name_);

  struct stat st;
  if (::fstat(body_fd_, &st) != 0) throw FIX::ConfigError("Could not stat " + body_name_);
  body_end_ = static_cast<long>(st.st_size);

  if (::ftruncate(seq_fd_, static_cast<off_t>(kSeqRecord)) != 0)
    throw FIX::ConfigError("Could not size seqnums file: " + seqnums_name_);
  void* map = ::mmap(nullptr, kSeqRecord, PROT_READ | PROT_WRITE, MAP_SHARED, seq_fd_, 0);
  if (map == MAP_FAILED) throw FIX::ConfigError("Could not map seqnums file: " + seqnums_name_);
  seq_map_ = static_cast<char*>(map);
  // The whole record once, through the file (atomic against a crash).
  if (!write_seq_record(seq_fd_, next_sender_, next_target_))
    throw FIX::ConfigError("Could not write seqnums file: " + seqnums_name_);
}

void AsyncFileStore::close_files() {
  if (seq_map_ != nullptr) ::munmap(seq_map_, kSeqRecord);
  seq_map_ = nullptr;
  if (body_fd_ >= 0) ::close(body_fd_);
  if (header_fd_ >= 0) ::close(header_fd_);
  if (seq_fd_ >= 0) ::close(seq_fd_);
  body_fd_ = header_fd_ = seq_fd_ = -1;
}

// One field of the mapped record. Normally only the last eight digits change: they go in
// with one 8-byte store (one instruction on x86-64: a crash leaves the old or the new
// number, never a mix). Otherwise the whole record goes through one pwrite.
void AsyncFileStore::store_seq(int field_offset, int value) {
  char digits[10];
  ten_digits(value, digits);
  char* field = seq_map_ + field_offset;
  if (field[0] == digits[0] && field[1] == digits[1]) {
    std::memcpy(field + 2, digits + 2, 8);
    return;
  }
  if (!write_seq_record(seq_fd_, next_sender_, next_target_))
    throw FIX::IOException("Unable to write to file " + seqnums_name_);
}

bool AsyncFileStore::set(int seq, const std::string& message) throw(FIX::IOException) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    pending_.body.append(message);
    pending_.entries.push_back(Entry{seq, message.size()});
    wake = pending_.body.size() >= kWakeBytes && !flush_requested_;
    if (wake) flush_requested_ = true;
  }
  if (wake) wake_.notify_one();
  return true;
}

void AsyncFileStore::write_pending() const {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    std::swap(pending_, writing_);
  }
  if (writing_.entries.empty()) return;
  std::string header;
  header.reserve(writing_.entries.size() * 32);
  long offset = body_end_;
  char buf[64];
  for (const Entry& e : writing_.entries) {
    const int n = std::snprintf(buf, sizeof buf, "%d,%ld,%lu ", e.seq, offset,
                                static_cast<unsigned long>(e.size));
    header.append(buf, static_cast<std::size_t>(n));
    offset += static_cast<long>(e.size);
  }
  if (body_fd_ >= 0 && header_fd_ >= 0 &&
      write_all_at(body_fd_, writing_.body.data(), writing_.body.size(), body_end_) &&
      append_all(header_fd_, header.data(), header.size())) {
    long at = body_end_;
    for (const Entry& e : writing_.entries) {
      offsets_[e.seq] = std::make_pair(at, e.size);
      at += static_cast<long>(e.size);
    }
    body_end_ = at;
  } else {
    write_errors_.fetch_add(writing_.entries.size(), std::memory_order_relaxed);
  }
  writing_.body.clear();
  writing_.entries.clear();
}

void AsyncFileStore::flush() const {
  std::lock_guard<std::mutex> io(io_mutex_);
  write_pending();
}

void AsyncFileStore::writer_loop() {
  std::unique_lock<std::mutex> lock(queue_mutex_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(flush_interval_ms_),
                   [this] { return stop_ || flush_requested_; });
    flush_requested_ = false;
    lock.unlock();
    flush();
    lock.lock();
  }
}

void AsyncFileStore::get(int begin, int end, std::vector<std::string>& out) const
    throw(FIX::IOException) {
  out.clear();
  std::lock_guard<std::mutex> io(io_mutex_);
  write_pending();
  std::string msg;
  for (Offsets::const_iterator it = offsets_.lower_bound(begin);
       it != offsets_.end() && it->first <= end; ++it) {
    msg.resize(it->second.second);
    std::size_t done = 0;
    while (done < msg.size()) {
      const ssize_t n = ::pread(body_fd_, &msg[done], msg.size() - done,
                                static_cast<off_t>(it->second.first) + static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw FIX::IOException("Unable to read from file " + body_name_);
      done += static_cast<std::size_t>(n);
    }
    out.push_back(msg);
  }
}

int AsyncFileStore::getNextSenderMsgSeqNum() const throw(FIX::IOException) {
  return next_sender_;
}
int AsyncFileStore::getNextTargetMsgSeqNum() const throw(FIX::IOException) {
  return next_target_;
}
void AsyncFileStore::setNextSenderMsgSeqNum(int value) throw(FIX::IOException) {
  next_sender_ = value;
  store_seq(kSenderOffset, value);
}
void AsyncFileStore::setNextTargetMsgSeqNum(int value) throw(FIX::IOException) {
  next_target_ = value;
  store_seq(kTargetOffset, value);
}
void AsyncFileStore::incrNextSenderMsgSeqNum() throw(FIX::IOException) {
  ++next_sender_;
  store_seq(kSenderOffset, next_sender_);
}
void AsyncFileStore::incrNextTargetMsgSeqNum() throw(FIX::IOException) {
  ++next_target_;
  store_seq(kTargetOffset, next_target_);
}

FIX::UtcTimeStamp AsyncFileStore::getCreationTime() const throw(FIX::IOException) {
  return creation_time_;
}

void AsyncFileStore::reset() throw(FIX::IOException) {
  try {
    std::lock_guard<std::mutex> io(io_mutex_);
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      pending_.body.clear();
      pending_.entries.clear();
    }
    close_files();
    offsets_.clear();
    next_sender_ = 1;
    next_target_ = 1;
    creation_time_.setCurrent();
    write_session_file();
    open_files(true);
  } catch (const std::exception& e) {
    throw FIX::IOException(e.what());
  }
}

void AsyncFileStore::refresh() throw(FIX::IOException) {
  try {
    std::lock_guard<std::mutex> io(io_mutex_);
    write_pending();
    close_files();
    load();
    open_files(false);
  } catch (const std::exception& e) {
    throw FIX::IOException(e.what());
  }
}

FIX::MessageStore* AsyncFileStoreFactory::create(const FIX::SessionID& id) {
  AsyncFileStore* store = new AsyncFileStore(path_, id, flush_interval_ms_);
  std::lock_guard<std::mutex> lock(mutex_);
  live_.insert(store);
  return store;
}

void AsyncFileStoreFactory::destroy(FIX::MessageStore* store) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    live_.erase(static_cast<AsyncFileStore*>(store));
  }
  delete store;
}

void AsyncFileStoreFactory::flush_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (AsyncFileStore* s : live_) s->flush();
}

#pragma GCC diagnostic pop

}  // namespace fix
}  // namespace gateways
}  // namespace ballast
