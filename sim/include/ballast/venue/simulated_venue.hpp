// The simulated exchange: one OrderBook per instrument of a Universe, accounts with
// positions, cash and margin, maker/taker fees, funding settled every funding_interval_s
// and dated-future expiry on a simulated clock (Unix ns, advanced by the caller, so it can
// run faster than wall time). Everything it does is reported as Executions and CashEvents.
// Single-threaded: the protocol layers serialise access.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "ballast/core/decimal.hpp"
#include "ballast/core/model.hpp"
#include "ballast/venue/account.hpp"
#include "ballast/venue/execution.hpp"
#include "ballast/venue/faults.hpp"
#include "ballast/venue/order_book.hpp"
#include "ballast/venue/order_checks.hpp"

namespace ballast::venue {

struct VenueOptions {
  // The venue's own per-order ceiling, on top of each instrument's max_order_qty: keeps
  // lots * ticks products far from int64 overflow.
  std::int64_t max_order_lots = 1'000'000'000;
  OrderBook::Options book;
  // Record executions of internal accounts (the market maker) too. Off by default: the
  // maker re-quotes constantly and nobody reads its reports.
  bool report_internal = false;
};

struct NewOrder {
  AccountId account = kNoAccount;
  std::uint64_t client_order_id = 0;
  InstrumentId instrument = kNoInstrument;
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;
  bool reduce_only = false;
  std::int64_t lots = 0;
  std::int64_t price_ticks = 0;  // limit orders
};

// The same order as a wire protocol carries it: quantity in contracts (spot: base units)
// and price as decimals, converted (or rejected) with the instrument's lot and tick.
struct WireOrder {
  AccountId account = kNoAccount;
  std::uint64_t client_order_id = 0;
  InstrumentId instrument = kNoInstrument;
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;
  bool reduce_only = false;
  Decimal qty;
  Decimal price;  // limit orders
};

class SimulatedVenue final : private BookListener {
 public:
  explicit SimulatedVenue(const Universe& universe);  // `universe` must outlive the venue
  SimulatedVenue(const Universe& universe, const VenueOptions& options);

  // ---- Set-up ----
  AccountId add_account(const AccountConfig& config);
  // A starting position; `counterparty` takes the opposite side so positions still net
  // to zero per instrument (the market maker, usually).
  void seed_position(AccountId account, InstrumentId instrument, std::int64_t lots,
                     double entry_price, AccountId counterparty);
  void seed_spot(AccountId account, AssetId asset, double qty);

  // ---- Clock and market ----
  // Sets the clock without settling anything and schedules each perpetual's first
  // funding at the next multiple of its interval since the Unix epoch (00:00, 08:00, ...).
  void start_at(std::int64_t sim_ns);
  // Settles, in time order, every funding and expiry due in (now, sim_ns], at the marks
  // set last. Going backwards is ignored.
  void advance_to(std::int64_t sim_ns);
  [[nodiscard]] std::int64_t now_ns() const noexcept { return now_ns_; }
  void set_mark(InstrumentId instrument, double mark, double index, double funding_rate) noexcept;
  // Price of an asset in the base currency, for spot holdings in equity.
  void set_asset_price(AssetId asset, double price) noexcept;
  [[nodiscard]] double mark(InstrumentId i) const noexcept { return mark_[i]; }
  [[nodiscard]] double index(InstrumentId i) const noexcept { return index_[i]; }
  [[nodiscard]] double funding_rate(InstrumentId i) const noexcept { return funding_[i]; }
  [[nodiscard]] std::int64_t next_funding_ns(InstrumentId i) const noexcept {
    return next_funding_ns_[i];
  }
  [[nodiscard]] bool expired(InstrumentId i) const noexcept { return expired_[i]; }

  // ---- Orders ----
  // Returns the venue order id (also in the reports); kNoOrder when rejected.
  OrderId submit(const NewOrder& order);
  OrderId submit(const WireOrder& order);
  // Cancel by the order's current ClOrdID; `request_id` is the cancel request's own
  // ClOrdID (0 = none). False, with a cancel_rejected report, when it is not open.
  bool cancel(AccountId account, InstrumentId instrument, std::uint64_t orig_client_order_id,
              std::uint64_t request_id = 0);
  bool cancel_order(AccountId account, InstrumentId instrument, OrderId id);
  // Amend to `new_order_lots` in total at `new_price_ticks` (see OrderBook::replace for
  // the priority rule); the order then answers to `new_client_order_id`.
  bool replace(AccountId account, InstrumentId instrument, std::uint64_t orig_client_order_id,
               std::uint64_t new_client_order_id, std::int64_t new_order_lots,
               std::int64_t new_price_ticks);
  // Cancels every open order of `account` (on one instrument, or all); returns how many.
  std::size_t cancel_all(AccountId account, InstrumentId instrument = kNoInstrument);

  // ---- Queries ----
  [[nodiscard]] const Universe& universe() const noexcept { return universe_; }
  [[nodiscard]] const OrderBook& book(InstrumentId i) const noexcept { return books_[i]; }
  [[nodiscard]] const OrderLimits& limits(InstrumentId i) const noexcept { return limits_[i]; }
  [[nodiscard]] const BookOrder* find_order(InstrumentId i, OrderId id) const noexcept;
  [[nodiscard]] const BookOrder* find_by_client_id(AccountId account,
                                                   std::uint64_t client_order_id) const noexcept;
  [[nodiscard]] std::size_t account_count() const noexcept { return accounts_.size(); }
  [[nodiscard]] const Account& account(AccountId a) const noexcept { return accounts_[a]; }
  [[nodiscard]] const FuturesPosition& position(AccountId a, InstrumentId i) const noexcept {
    return accounts_[a].portfolio.positions[i];
  }
  [[nodiscard]] MarginSummary margin(AccountId account) const noexcept;
  [[nodiscard]] FaultInjector& faults() noexcept { return faults_; }
  [[nodiscard]] const FaultInjector& faults() const noexcept { return faults_; }

  // ---- Events ----
  // Appended in the order they happen; the caller reads and clears them (they grow
  // until cleared).
  [[nodiscard]] const std::vector<Execution>& executions() const noexcept { return executions_; }
  [[nodiscard]] const std::vector<CashEvent>& cash_events() const noexcept { return cash_; }
  void clear_events() noexcept {
    executions_.clear();
    cash_.clear();
  }

 private:
  struct ClientKey {
    AccountId account;
    std::uint64_t client_order_id;
    friend bool operator==(const ClientKey&, const ClientKey&) = default;
  };
  struct ClientKeyHash {
    std::size_t operator()(const ClientKey& k) const noexcept {
      return std::hash<std::uint64_t>{}(k.client_order_id * 0x9E3779B97F4A7C15ull ^ k.account);
    }
  };
  struct OrderRef {
    InstrumentId instrument = kNoInstrument;
    OrderId id = kNoOrder;
  };

  // BookListener: fills and removals during matching.
  void on_fill(const Fill& fill) override;
  void on_maker_canceled(const BookOrder& order, RejectReason why) override;
  std::int64_t maker_fill_cap(const BookOrder& maker) override;

  [[nodiscard]] bool reports(AccountId a) const noexcept {
    return options_.report_internal || !accounts_[a].config.internal;
  }
  Execution& push_execution(AccountId account, InstrumentId instrument, ExecType type);
  Execution* report(AccountId account, InstrumentId instrument, ExecType type, const BookOrder& o);
  void reject(const NewOrder& order, RejectReason why);
  void cancel_reject(AccountId account, InstrumentId instrument, std::uint64_t orig,
                     std::uint64_t request_id, RejectReason why);
  void add_open(AccountId account, InstrumentId i, const BookOrder& o, std::int64_t lots) noexcept;
  // Lots a new reduce-only order on `side` may still have: the position it reduces less
  // the reduce-only orders already resting that way.
  [[nodiscard]] std::int64_t reduce_only_capacity(const Account& acct, InstrumentId i,
                                                  Side side) const noexcept;
  // Trims or cancels resting reduce-only orders that the position no longer covers.
  void enforce_reduce_only(AccountId account, InstrumentId i);
  void enforce_touched();
  [[nodiscard]] MarginSummary margin_with(AccountId account, InstrumentId extra_instrument,
                                          Side extra_side, std::int64_t extra_lots,
                                          double extra_price) const noexcept;
  void settle_funding(InstrumentId i);
  void expire(InstrumentId i);

  const Universe& universe_;
  VenueOptions options_;
  std::vector<OrderBook> books_;
  std::vector<OrderLimits> limits_;
  std::vector<Account> accounts_;
  std::unordered_map<ClientKey, OrderRef, ClientKeyHash> by_client_id_;
  FaultInjector faults_;

  std::int64_t now_ns_ = 0;
  bool started_ = false;  // advance_to before start_at starts the clock there
  std::array<double, kMaxInstruments> mark_{};
  std::array<double, kMaxInstruments> index_{};
  std::array<double, kMaxInstruments> funding_{};
  std::array<double, kMaxAssets> asset_price_{};
  std::array<std::int64_t, kMaxInstruments> next_funding_ns_{};  // 0 = none
  std::array<std::int64_t, kMaxInstruments> expiry_ns_{};        // 0 = none
  std::array<bool, kMaxInstruments> expired_{};

  InstrumentId matching_ = kNoInstrument;                    // the book whose callbacks are running
  std::vector<std::pair<AccountId, InstrumentId>> touched_;  // positions moved this call
  std::vector<OrderId> scratch_ids_;

  std::vector<Execution> executions_;
  std::vector<CashEvent> cash_;
};

}  // namespace ballast::venue
