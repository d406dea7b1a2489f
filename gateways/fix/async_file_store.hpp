// AsyncFileStore: QuickFIX's FileStore layout, with the message writes taken off the
// sending thread. Part of the C++14 QuickFIX island (includes QuickFIX; see
// fix_session.hpp); private to gateways/fix.
//
// Files (the same names and formats as FIX::FileStore, so either store can open what
// the other wrote):
//   <path>/<BeginString>-<Sender>-<Target>.seqnums  "%010d : %010d" (next sender : target)
//   <path>/...body                                   the sent messages, back to back
//   <path>/...header                                 "%d,%ld,%lu " (seq, offset, size) each
//   <path>/...session                                the creation time (YYYYMMDD-HH:MM:SS)
//
// Sequence numbers are written synchronously and cheaply: the 23-byte .seqnums file is
// mapped (MAP_SHARED), and an update is a single 8-byte store of the field's last eight
// digits into the page cache (no syscall). A store instruction either happens or not when
// the process dies, so the file never holds a torn number; an update that changes one of
// the first two digits (a jump past 10^8, or a reset) goes through one pwrite instead,
// which is equally atomic against a process crash. Like FileStore (fflush, no fsync),
// this survives any crash of the process but not of the machine.
//
// QuickFIX raises the next sender number (incrNextSenderMsgSeqNum) before it writes the
// message to the socket, so after a crash the stored number is never behind what the
// venue saw: the next session never reuses a sequence number.
//
// Messages (set) are appended to an in-memory batch under a mutex (no allocation once the
// batch's capacity has grown, no syscall, no wake-up) and written to .body/.header by a
// background thread every `flush_interval_ms`, by get() (a resend reads everything
// written so far), and on refresh/destruction. The crash window: the messages of the
// last flush interval may be missing from .body. A ResendRequest for them is answered
// with SequenceReset-GapFill (QuickFIX's behaviour for a message the store does not
// have), which the gateway does anyway for NewOrderSingle and CancelReplace resends.
#ifndef BALLAST_GATEWAYS_FIX_ASYNC_FILE_STORE_HPP
#define BALLAST_GATEWAYS_FIX_ASYNC_FILE_STORE_HPP

#include <quickfix/MessageStore.h>
#include <quickfix/SessionID.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ballast {
namespace gateways {
namespace fix {

// QuickFIX's MessageStore declares dynamic exception specifications (see
// fix_session.cpp): overriding it needs the same.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"

class AsyncFileStore final : public FIX::MessageStore {
 public:
  // Opens (creating) the four files under `path`; throws FIX::ConfigError when it cannot.
  AsyncFileStore(const std::string& path, const FIX::SessionID& id, int flush_interval_ms);
  ~AsyncFileStore() override;
  AsyncFileStore(const AsyncFileStore&) = delete;
  AsyncFileStore& operator=(const AsyncFileStore&) = delete;

  bool set(int seq, const std::string& message) throw(FIX::IOException) override;
  void get(int begin, int end, std::vector<std::string>& out) const
      throw(FIX::IOException) override;

  int getNextSenderMsgSeqNum() const throw(FIX::IOException) override;
  int getNextTargetMsgSeqNum() const throw(FIX::IOException) override;
  void setNextSenderMsgSeqNum(int value) throw(FIX::IOException) override;
  void setNextTargetMsgSeqNum(int value) throw(FIX::IOException) override;
  void incrNextSenderMsgSeqNum() throw(FIX::IOException) override;
  void incrNextTargetMsgSeqNum() throw(FIX::IOException) override;

  FIX::UtcTimeStamp getCreationTime() const throw(FIX::IOException) override;

  void reset() throw(FIX::IOException) override;
  void refresh() throw(FIX::IOException) override;

  // Writes every message set so far to .body/.header now (any thread).
  void flush() const;
  // Write failures of the background writer (those messages are not on disk).
  std::size_t write_errors() const { return write_errors_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    int seq;
    std::size_t size;
  };
  struct Batch {
    std::string body;
    std::vector<Entry> entries;
  };
  typedef std::map<int, std::pair<long, std::size_t> > Offsets;

  void open_files(bool truncate);
  void close_files();
  void load();
  void write_session_file();
  void store_seq(int field_offset, int value);
  void write_pending() const;  // io_mutex_ held by the caller
  void writer_loop();

  std::string body_name_, header_name_, seqnums_name_, session_name_;
  int body_fd_ = -1;
  int header_fd_ = -1;
  int seq_fd_ = -1;
  char* seq_map_ = nullptr;  // the 23 bytes of .seqnums, MAP_SHARED

  // Sequence numbers: QuickFIX serializes every call on them (SessionState's lock).
  int next_sender_ = 1;
  int next_target_ = 1;
  FIX::UtcTimeStamp creation_time_;

  // io_mutex_ guards the files, offsets_ and body_end_; queue_mutex_ only pending_.
  mutable std::mutex io_mutex_;
  mutable Offsets offsets_;
  mutable long body_end_ = 0;
  mutable Batch writing_;

  mutable std::mutex queue_mutex_;
  mutable Batch pending_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool flush_requested_ = false;
  mutable std::atomic<std::size_t> write_errors_{0};

  int flush_interval_ms_;
  std::thread writer_;
};

class AsyncFileStoreFactory final : public FIX::MessageStoreFactory {
 public:
  AsyncFileStoreFactory(const std::string& path, int flush_interval_ms)
      : path_(path), flush_interval_ms_(flush_interval_ms) {}
  FIX::MessageStore* create(const FIX::SessionID& id) override;
  void destroy(FIX::MessageStore* store) override;
  // Flushes every live store (FixSession::stop).
  void flush_all();

 private:
  std::string path_;
  int flush_interval_ms_;
  std::mutex mutex_;
  std::set<AsyncFileStore*> live_;
};

#pragma GCC diagnostic pop

}  // namespace fix
}  // namespace gateways
}  // namespace ballast

#endif  // BALLAST_GATEWAYS_FIX_ASYNC_FILE_STORE_HPP
