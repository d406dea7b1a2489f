// StoreProbe (C++14: includes QuickFIX and the gateway's AsyncFileStore).
#include "fix_bench_store.hpp"

#include <quickfix/Exceptions.h>
#include <quickfix/FileStore.h>
#include <quickfix/MessageStore.h>
#include <quickfix/NullStore.h>
#include <quickfix/SessionID.h>

#include <stdexcept>

#include "async_file_store.hpp"

namespace ballast {
namespace bench {

struct StoreProbe::Impl {
  std::unique_ptr<FIX::MessageStoreFactory> factory;
  FIX::MessageStore* store = nullptr;
};

StoreProbe::StoreProbe(int kind, const std::string& dir) : impl_(new Impl) {
  try {
    switch (kind) {
      case 0:
        impl_->factory.reset(new gateways::fix::AsyncFileStoreFactory(dir, 10));
        break;
      case 1:
        impl_->factory.reset(new FIX::FileStoreFactory(dir));
        break;
      case 2:
        impl_->factory.reset(new FIX::MemoryStoreFactory());
        break;
      default:
        impl_->factory.reset(new FIX::NullStoreFactory());
        break;
    }
    impl_->store = impl_->factory->create(FIX::SessionID("FIX.4.4", "BALLAST", "VENUE"));
  } catch (const FIX::Exception& e) {
    throw std::runtime_error(std::string("store probe: ") + e.what());
  }
}

StoreProbe::~StoreProbe() {
  if (impl_->store != nullptr) impl_->factory->destroy(impl_->store);
}

bool StoreProbe::persist(const std::string& message) {
  try {
    impl_->store->set(impl_->store->getNextSenderMsgSeqNum(), message);
    impl_->store->incrNextSenderMsgSeqNum();
    return true;
  } catch (const FIX::IOException&) {
    return false;
  }
}

int StoreProbe::next_sender() const {
  return impl_->store->getNextSenderMsgSeqNum();
}

}  // namespace bench
}  // namespace ballast
