// Pre-trade risk: nothing leaves Ballast unless every check passes on the account as it
// would be after the order (open orders counted as filled). One check_* per rule, each
// returning a verdict that names the rule, the measured value and the limit; RiskEngine
// runs them in a fixed order and is the one place that denies. Allocation-free.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>

#include "ballast/core/config.hpp"
#include "ballast/core/valuation.hpp"
#include "ballast/risk/liquidation_model.hpp"
#include "ballast/risk/token_bucket.hpp"

namespace ballast::risk {

// The trading state is core's (vocabulary.hpp): one enum from the console to this gate.
using ballast::TradingState;

// The checks are named in core (vocabulary.hpp): the engine, the control socket and the
// summaries carry them unchanged.
using ballast::kLastRiskCheck;
using ballast::RiskCheck;
using ballast::to_string;

// Checks whose failure scales with order size, so a smaller order may pass.
[[nodiscard]] bool is_size_bound(RiskCheck c) noexcept;

struct RiskVerdict {
  RiskCheck check = RiskCheck::none;
  double value = 0.0;  // what was measured, in the check's unit (see describe())
  double limit = 0.0;
  InstrumentId instrument = kNoInstrument;  // the position or order concerned
  AssetId asset = kNoAsset;                 // for max_asset_weight
  [[nodiscard]] bool accepted() const noexcept { return check == RiskCheck::none; }
};

// The verdict in words, e.g. "liquidation distance 12.4% < 25.0% for BTCUSDT-PERP".
// Reporting only: it allocates.
[[nodiscard]] std::string describe(const RiskVerdict& v, const Universe& universe);

struct OrderIntent {
  InstrumentId instrument = kNoInstrument;
  Side side = Side::buy;
  std::int64_t lots = 0;  // positive
  std::int64_t limit_ticks = 0;
};

struct PositionRisk {
  InstrumentId instrument = kNoInstrument;
  double contracts = 0.0;  // signed
  double entry_price = 0.0;
  double notional = 0.0;            // |value| in quote
  double initial_margin = 0.0;      // quote
  double maintenance_margin = 0.0;  // quote
  LiquidationEstimate liquidation;
};

// The account's risk metrics. With open orders and a candidate order counted as filled,
// this is "the portfolio as it would be after the order".
struct AccountRisk {
  double nav = 0.0;
  double gross_notional = 0.0;
  double leverage = 0.0;
  double initial_margin = 0.0;
  double margin_utilization = 0.0;
  double wallet_balance = 0.0;  // USD-M wallet plus collateral value, quote
  double unrealized_pnl = 0.0;  // over every futures position, quote
  // What can hold initial margin: the wallet plus collateral, less unrealised losses
  // (gains are not lent against). Cross margin, one pool for every position.
  double available_margin = 0.0;
  std::array<PositionRisk, kMaxInstruments> positions{};
  std::uint16_t position_count = 0;
  std::array<double, kMaxAssets> weight{};
  double worst_distance = std::numeric_limits<double>::infinity();
  InstrumentId worst_instrument = kNoInstrument;

  [[nodiscard]] const PositionRisk* find(InstrumentId i) const noexcept;
};

// The account as the engine sees it now.
struct RiskInputs {
  const PortfolioState& portfolio;
  const MarketState& market;
  const Valuation& valuation;  // of `portfolio` at `market`
  const OpenOrderSet& open_orders;
  double wallet_balance = 0.0;  // USD-M futures wallet ([portfolio] margin_balance or cash)
  bool wallet_is_cash = true;   // spot trades then move the wallet too
  std::int64_t now_ns = 0;      // same clock as MarketState::updated_ns
};

// What the circuit breakers count: the UTC day's first and highest NAV, the fees and
// traded notional since the day began, and venue rejects since the last accepted order.
struct BreakerState {
  std::int64_t day = -1;  // UTC day number (Unix s / 86400) of the figures below
  double day_first_nav = 0.0;
  double day_high_nav = 0.0;
  double fees_today = 0.0;      // quote
  double turnover_today = 0.0;  // notional, quote
  std::int64_t consecutive_rejects = 0;
};

// Tolerance of the limit comparisons: a value within 1e-9 (relative) of its limit is at
// the limit, which passes.
inline constexpr double kLimitTolerance = 1e-9;

// ---- One function per rule. Each returns an accepted verdict or the reason to deny.
[[nodiscard]] RiskVerdict check_kill_switch(TradingState state) noexcept;
[[nodiscard]] RiskVerdict check_reduce_only(TradingState state, const InstrumentSpec& spec,
                                            InstrumentId i, std::int64_t position_lots,
                                            const OrderIntent& order) noexcept;
[[nodiscard]] RiskVerdict check_md_staleness(std::int64_t now_ns, std::int64_t updated_ns,
                                             std::int64_t max_ms, InstrumentId i) noexcept;
// Every price an order on `i` is judged with: its own mark, the mark of every futures
// position (valuation, margin) and the spot price of every asset held or traded by it.
// The oldest beyond max_ms denies (md_staleness, `asset` set for a spot price); a price
// held by the jump filter denies (price_jump).
[[nodiscard]] RiskVerdict check_prices_used(const Universe& u, const RiskInputs& in, InstrumentId i,
                                            std::int64_t max_ms) noexcept;
// The breakers; each denies only orders that add exposure (the caller skips reducing ones).
[[nodiscard]] RiskVerdict check_consecutive_rejects(std::int64_t rejects, std::int64_t max,
                                                    InstrumentId i) noexcept;
[[nodiscard]] RiskVerdict check_drawdown(double nav, double day_high, double max_drawdown,
                                         InstrumentId i) noexcept;
[[nodiscard]] RiskVerdict check_daily_fees(double fees_after, double cap, InstrumentId i) noexcept;
[[nodiscard]] RiskVerdict check_daily_turnover(double turnover_after, double cap,
                                               InstrumentId i) noexcept;
[[nodiscard]] RiskVerdict check_price_collar(double limit_price, double mark, double collar_bps,
                                             InstrumentId i) noexcept;
[[nodiscard]] RiskVerdict check_max_order_qty(double contracts, double max_contracts,
                                              InstrumentId i) noexcept;
[[nodiscard]] RiskVerdict check_max_order_notional(double notional, double max_notional,
                                                   InstrumentId i) noexcept;
[[nodiscard]] RiskVerdict check_duplicate_in_flight(const OpenOrderSet& open,
                                                    InstrumentId i) noexcept;
[[nodiscard]] RiskVerdict check_order_rate(TokenBucket& per_second, TokenBucket& per_minute,
                                           std::int64_t now_ns, InstrumentId i) noexcept;
// Portfolio-level limits deny an order only when it leaves the metric beyond the limit
// and worse than before: an order that reduces a breach is always allowed out.
[[nodiscard]] RiskVerdict check_max_leverage(const AccountRisk& before, const AccountRisk& after,
                                             double max_leverage, InstrumentId i) noexcept;
[[nodiscard]] RiskVerdict check_max_margin_utilization(const AccountRisk& before,
                                                       const AccountRisk& after, double max_util,
                                                       InstrumentId i) noexcept;
[[nodiscard]] RiskVerdict check_max_asset_weight(const AccountRisk& before,
                                                 const AccountRisk& after, AssetId asset,
                                                 double max_weight, InstrumentId i) noexcept;
// Initial margin must fit in what can hold it (wallet + collateral - unrealised losses);
// an order that leaves it short and raised the margin or the shortfall is denied.
[[nodiscard]] RiskVerdict check_initial_margin(const AccountRisk& before, const AccountRisk& after,
                                               InstrumentId i) noexcept;
[[nodiscard]] RiskVerdict check_min_liquidation_distance(const AccountRisk& before,
                                                         const AccountRisk& after,
                                                         double min_distance) noexcept;

struct ShrinkResult {
  bool shrunk = false;
  std::int64_t lots = 0;  // the largest size that passes (0 = none does)
  RiskCheck cause = RiskCheck::none;
};

class RiskEngine {
 public:
  RiskEngine(const Universe& universe, const RiskLimits& limits) noexcept;

  [[nodiscard]] TradingState state() const noexcept { return state_; }
  // Owned by the engine thread; the control channel asks for changes through it.
  void set_state(TradingState s) noexcept { state_ = s; }
  [[nodiscard]] const RiskLimits& limits() const noexcept { return limits_; }
  // A live reload. The order-rate buckets restart (full) only when their rate changed,
  // so reloading an unchanged [risk] does not hand out a fresh burst.
  void set_limits(const RiskLimits& limits) noexcept;

  // The account's risk with open orders (and `extra`, when given) counted as filled.
  void assess(const RiskInputs& in, const OrderIntent* extra, AccountRisk& out) const noexcept;

  // Every check on `order`, in order; the first failure is the verdict. `current` is
  // assess(in, nullptr); `scratch` receives the post-trade account. The throttle is
  // only looked at, not consumed: call on_order_sent() when the order goes out.
  [[nodiscard]] RiskVerdict check(const OrderIntent& order, const RiskInputs& in,
                                  const AccountRisk& current, AccountRisk& scratch) noexcept;

  // The same checks, computing the pre-trade account into `before` only when the
  // post-trade one breaches a portfolio limit (the worsening rule needs it): the common
  // accepted order pays for one assessment, not two. `before_valid` tells the caller
  // whether `before` was filled.
  [[nodiscard]] RiskVerdict check_lazy(const OrderIntent& order, const RiskInputs& in,
                                       AccountRisk& after, AccountRisk& before,
                                       bool& before_valid) noexcept;

  // When `verdict` failed a size-bound check, the largest size (>= min_lots) that passes
  // every check; a collar, staleness or state failure is never shrunk.
  [[nodiscard]] ShrinkResult shrink(const OrderIntent& order, const RiskVerdict& verdict,
                                    const RiskInputs& in, const AccountRisk& current,
                                    AccountRisk& scratch, std::int64_t min_lots) noexcept;

  void on_order_sent(const OrderIntent& order, std::int64_t now_ns) noexcept;

  // Breaker inputs from the engine thread. on_nav rolls the UTC day (unix_s) and tracks
  // the day's high; on_venue_reject returns true when this reject trips the breaker.
  void on_nav(double nav, std::int64_t unix_s) noexcept;
  void on_fill(double notional, double fee) noexcept;
  [[nodiscard]] bool on_venue_reject() noexcept;
  void on_venue_accept() noexcept { breakers_.consecutive_rejects = 0; }
  // The operator's resume: rejects forgotten, the drawdown measured from NAV now. The
  // day's fee and turnover budgets stay spent (raise them by reload if need be).
  void rearm_breakers() noexcept;
  [[nodiscard]] const BreakerState& breakers() const noexcept { return breakers_; }

  // Pacing, for `plan` (a snapshot, where the runtime would send a burst over the next
  // seconds): how long after now_ns the order's venue throttle lets one more order out,
  // and moving that venue's buckets to that time so the next check() sees the token.
  [[nodiscard]] std::int64_t throttle_wait_ns(const OrderIntent& order,
                                              std::int64_t now_ns) noexcept;
  void advance_throttle(const OrderIntent& order, std::int64_t at_ns) noexcept;
  [[nodiscard]] TokenBucket& per_second(VenueId v) noexcept { return per_second_[v]; }
  [[nodiscard]] TokenBucket& per_minute(VenueId v) noexcept { return per_minute_[v]; }

 private:
  // The checks that need no account assessment; accepted() when all pass.
  [[nodiscard]] RiskVerdict check_order_level(const OrderIntent& order,
                                              const RiskInputs& in) noexcept;
  [[nodiscard]] RiskVerdict check_portfolio_level(const OrderIntent& order,
                                                  const AccountRisk& before,
                                                  const AccountRisk& after) const noexcept;
  [[nodiscard]] bool breaches_limits(const AccountRisk& after, AssetId asset) const noexcept;

  const Universe& universe_;
  RiskLimits limits_;
  TradingState state_ = TradingState::active;
  std::array<TokenBucket, kMaxVenues> per_second_{};
  std::array<TokenBucket, kMaxVenues> per_minute_{};
  BreakerState breakers_;
  double last_nav_ = 0.0;
};

}  // namespace ballast::risk
