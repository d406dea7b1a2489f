// The venue side of the FIX-leg benchmark: a real QuickFIX SocketAcceptor (FIX.4.4,
// VENUE <- BALLAST) on a loopback port that only counts the application messages it
// receives. It keeps nothing per message and uses QuickFIX's NullStore, so its own cost
// (on its socket thread) stays small next to the sender's. Plain C++14 header; the
// implementation includes QuickFIX and is compiled as C++14 (see gateways/fix/fix_session.hpp).
#ifndef BALLAST_BENCH_FIX_BENCH_ACCEPTOR_HPP
#define BALLAST_BENCH_FIX_BENCH_ACCEPTOR_HPP

#include <cstdint>
#include <memory>

namespace ballast {
namespace bench {

class FixBenchAcceptor {
 public:
  explicit FixBenchAcceptor(int port);  // throws std::runtime_error
  ~FixBenchAcceptor();
  FixBenchAcceptor(const FixBenchAcceptor&) = delete;
  FixBenchAcceptor& operator=(const FixBenchAcceptor&) = delete;

  bool logged_on() const;
  std::uint64_t app_messages() const;  // application messages received so far
  std::uint64_t rejects_sent() const;  // session-level problems seen (must stay 0)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bench
}  // namespace ballast

#endif  // BALLAST_BENCH_FIX_BENCH_ACCEPTOR_HPP
