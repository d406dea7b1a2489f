// The store step of the FIX leg in isolation: what QuickFIX's Session::persist does per
// sent message (MessageStore::set, then incrNextSenderMsgSeqNum), against each store the
// gateway can use. Plain C++14 header; the implementation includes QuickFIX (C++14).
#ifndef BALLAST_BENCH_FIX_BENCH_STORE_HPP
#define BALLAST_BENCH_FIX_BENCH_STORE_HPP

#include <memory>
#include <string>

namespace ballast {
namespace bench {

// 0 async_file, 1 file, 2 memory, 3 null_store (fix::StoreKind's order).
class StoreProbe {
 public:
  StoreProbe(int kind, const std::string& dir);  // throws std::runtime_error
  ~StoreProbe();
  StoreProbe(const StoreProbe&) = delete;
  StoreProbe& operator=(const StoreProbe&) = delete;
  // set(next sender seq, message) + incrNextSenderMsgSeqNum(); false on an IOException.
  bool persist(const std::string& message);
  int next_sender() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bench
}  // namespace ballast

#endif  // BALLAST_BENCH_FIX_BENCH_STORE_HPP
