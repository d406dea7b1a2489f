// FixBenchAcceptor (C++14: includes QuickFIX).
#include "fix_bench_acceptor.hpp"

#include <quickfix/Application.h>
#include <quickfix/Exceptions.h>
#include <quickfix/NullStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>

#include <atomic>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ballast {
namespace bench {
namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"  // FIX::Application's throw() specifications

class CountingApp final : public FIX::Application {
 public:
  std::atomic<bool> logged_on{false};
  std::atomic<std::uint64_t> app_messages{0};
  std::atomic<std::uint64_t> rejects{0};

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { logged_on = true; }
  void onLogout(const FIX::SessionID&) override { logged_on = false; }
  void toAdmin(FIX::Message& m, const FIX::SessionID&) override {
    const FIX::Header& h = m.getHeader();
    if (h.isSetField(FIX::FIELD::MsgType) && h.getField(FIX::FIELD::MsgType) == FIX::MsgType_Reject)
      rejects.fetch_add(1, std::memory_order_relaxed);
  }
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {}
  void fromApp(const FIX::Message&,
               const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                            FIX::IncorrectTagValue,
                                            FIX::UnsupportedMessageType) override {
    app_messages.fetch_add(1, std::memory_order_release);
  }
};

#pragma GCC diagnostic pop

}  // namespace

struct FixBenchAcceptor::Impl {
  CountingApp app;
  FIX::SessionSettings settings;
  FIX::NullStoreFactory store;
  std::unique_ptr<FIX::SocketAcceptor> acceptor;
};

FixBenchAcceptor::FixBenchAcceptor(int port) : impl_(new Impl) {
  std::ostringstream cfg;
  cfg << "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=" << port
      << "\nSocketReuseAddress=Y\nSocketNodelay=Y\nStartTime=00:00:00\nEndTime=00:00:00\n"
      << "UseDataDictionary=N\n[SESSION]\nBeginString=FIX.4.4\nSenderCompID=VENUE\n"
      << "TargetCompID=BALLAST\n";
  try {
    std::istringstream in(cfg.str());
    impl_->settings = FIX::SessionSettings(in);
    impl_->acceptor.reset(new FIX::SocketAcceptor(impl_->app, impl_->store, impl_->settings));
    impl_->acceptor->start();
  } catch (const FIX::Exception& e) {
    throw std::runtime_error(std::string("bench acceptor: ") + e.what());
  }
}

FixBenchAcceptor::~FixBenchAcceptor() {
  try {
    impl_->acceptor->stop(true);
  } catch (...) {
  }
}

bool FixBenchAcceptor::logged_on() const {
  return impl_->app.logged_on.load();
}
std::uint64_t FixBenchAcceptor::app_messages() const {
  return impl_->app.app_messages.load(std::memory_order_acquire);
}
std::uint64_t FixBenchAcceptor::rejects_sent() const {
  return impl_->app.rejects.load();
}

}  // namespace bench
}  // namespace ballast
