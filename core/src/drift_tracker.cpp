#include "ballast/core/drift_tracker.hpp"

#include <algorithm>
#include <cmath>

namespace ballast {

// The arithmetic below mirrors value_portfolio statement for statement (same formulas,
// same summation order, skipped terms not added at all) so that a full recompute here
// is bit-identical to the oracle and the per-asset sums stay so between re-anchors.

DriftTracker::DriftTracker(const Universe& universe, const TargetTable& targets) noexcept
    : universe_(universe),
      targets_(targets),
      asset_count_(std::min(universe.assets.size(), kMaxAssets)),
      instrument_count_(std::min(universe.instruments.size(), kMaxInstruments)) {
  // Counting sort of the derivatives by underlying; stable, so ids stay ascending.
  std::array<std::uint16_t, kMaxAssets + 1> count{};
  for (std::size_t i = 0; i < instrument_count_; ++i) {
    const InstrumentSpec& spec = universe_.instruments[i];
    if (spec.is_derivative() && spec.base < asset_count_) ++count[spec.base + 1u];
  }
  for (std::size_t a = 0; a < asset_count_; ++a)
    first_[a + 1] = static_cast<std::uint16_t>(first_[a] + count[a + 1]);
  for (std::size_t a = asset_count_ + 1; a <= kMaxAssets; ++a) first_[a] = first_[asset_count_];
  std::array<std::uint16_t, kMaxAssets> next{};
  for (std::size_t a = 0; a < asset_count_; ++a) next[a] = first_[a];
  for (std::size_t i = 0; i < instrument_count_; ++i) {
    const InstrumentSpec& spec = universe_.instruments[i];
    if (spec.is_derivative() && spec.base < asset_count_)
      by_asset_[next[spec.base]++] = static_cast<InstrumentId>(i);
  }
  out_.asset_count = asset_count_;
}

// Writes the fields one by one into `c` (the cache slot), and is forced inline: a
// Contribution built out of line (on the stack, or in the slot) and then read back as
// one 16-byte vector hits a store-forwarding stall, which cost a third of on_mark.
[[gnu::always_inline]] inline void DriftTracker::compute_contribution(
    InstrumentId i, const PortfolioState& portfolio, const MarketState& market,
    Contribution& c) const noexcept {
  c.exposure = 0.0;
  c.upnl = 0.0;
  c.gross = 0.0;
  c.active = false;
  const InstrumentSpec& spec = universe_.instruments[i];
  const FuturesPosition& pos = portfolio.positions[i];
  if (!spec.is_derivative() || pos.lots == 0 || spec.base >= asset_count_) return;
  const double mark = market.mark[i];
  if (mark <= 0.0) return;  // unknown price: contributes nothing until priced
  const double contracts = position_contracts(spec, pos);
  const double value = spec.notional(contracts, mark);
  const double upnl = spec.unrealized_pnl(contracts, pos.entry_price, mark);
  c.upnl = upnl;
  c.gross = value < 0 ? -value : value;
  // Inverse P&L is held in coin, so it is coin exposure too (see value_portfolio).
  c.exposure = spec.is_inverse() ? value + upnl : value;
  c.active = true;
}

double DriftTracker::spot_value(AssetId a, const PortfolioState& portfolio,
                                const MarketState& market) const noexcept {
  const AssetId base = universe_.base_currency;
  const double price = a == base ? 1.0 : market.spot_price[a];
  const double value = portfolio.spot_qty[a] * price;
  // The oracle folds cash into the base currency's spot value (and cash is in NAV once).
  return a == base ? value + portfolio.cash : value;
}

void DriftTracker::reset(const PortfolioState& portfolio, const MarketState& market) noexcept {
  const AssetId base = universe_.base_currency;
  double nav = portfolio.cash;
  for (std::size_t a = 0; a < asset_count_; ++a) {
    const double price = a == base ? 1.0 : market.spot_price[a];
    const double value = portfolio.spot_qty[a] * price;
    out_.spot_value[a] = value;
    out_.futures_exposure[a] = 0.0;
    nav += value;
  }
  if (base != kNoAsset && base < asset_count_) out_.spot_value[base] += portfolio.cash;

  double upnl_sum = 0.0;
  double gross_sum = 0.0;
  for (std::size_t i = 0; i < instrument_count_; ++i) {
    Contribution& c = contrib_[i];
    compute_contribution(static_cast<InstrumentId>(i), portfolio, market, c);
    if (!c.active) continue;
    nav += c.upnl;
    upnl_sum += c.upnl;
    gross_sum += c.gross;
    out_.futures_exposure[universe_.instruments[i].base] += c.exposure;
  }
  nav_ = nav;
  upnl_ = upnl_sum;
  gross_ = gross_sum;
  updates_ = 0;
  dirty_ = true;
}

void DriftTracker::resum_futures_exposure(AssetId a) noexcept {
  double sum = 0.0;
  for (std::size_t k = first_[a]; k < first_[a + 1u]; ++k) {
    const Contribution& c = contrib_[by_asset_[k]];
    if (c.active) sum += c.exposure;
  }
  out_.futures_exposure[a] = sum;
}

void DriftTracker::update_spot(AssetId a, const PortfolioState& portfolio,
                               const MarketState& market) noexcept {
  const double before = out_.spot_value[a];
  const double after = spot_value(a, portfolio, market);
  out_.spot_value[a] = after;
  nav_ += after - before;
  dirty_ = true;
}

void DriftTracker::reanchor_if_poisoned(const PortfolioState& portfolio,
                                        const MarketState& market) noexcept {
  // Any NaN or infinity in a running sum survives every later difference (inf - inf is
  // NaN); a full recompute gives what the oracle gives now and recovers once it is sane.
  if (!std::isfinite(nav_) || !std::isfinite(upnl_) || !std::isfinite(gross_))
    reset(portfolio, market);
}

void DriftTracker::on_mark(InstrumentId i, const PortfolioState& portfolio,
                           const MarketState& market) noexcept {
  if (i >= instrument_count_) return;
  const InstrumentSpec& spec = universe_.instruments[i];
  if (!spec.is_derivative()) {
    // A spot pair is valued through its base asset's spot price, which the caller set.
    on_spot_price(spec.base, portfolio, market);
    return;
  }
  Contribution& slot = contrib_[i];
  const Contribution before = slot;
  compute_contribution(i, portfolio, market, slot);
  const Contribution& after = slot;
  if (!after.active && !before.active) return;  // no position or no price: nothing moves
  if (reanchor_due()) {
    reset(portfolio, market);
    return;
  }
  nav_ += after.upnl - before.upnl;
  upnl_ += after.upnl - before.upnl;
  gross_ += after.gross - before.gross;
  resum_futures_exposure(spec.base);
  dirty_ = true;
  reanchor_if_poisoned(portfolio, market);
}

void DriftTracker::on_spot_price(AssetId a, const PortfolioState& portfolio,
                                 const MarketState& market) noexcept {
  if (a >= asset_count_) return;
  if (reanchor_due()) {
    reset(portfolio, market);
    return;
  }
  update_spot(a, portfolio, market);
  reanchor_if_poisoned(portfolio, market);
}

const Valuation& DriftTracker::valuation() noexcept {
  if (!dirty_) return out_;
  dirty_ = false;
  Valuation& out = out_;
  const AssetId base = universe_.base_currency;
  const double nav = nav_;
  out.nav = nav;
  out.futures_upnl = upnl_;
  out.gross_futures_notional = gross_;

  double others = 0.0;
  for (std::size_t a = 0; a < asset_count_; ++a) {
    if (a == base) continue;
    out.exposure[a] = out.spot_value[a] + out.futures_exposure[a];
    others += out.exposure[a];
  }
  if (base != kNoAsset && base < asset_count_) out.exposure[base] = nav - others;

  out.nav_positive = nav > 0.0;
  for (std::size_t a = 0; a < asset_count_; ++a) {
    if (out.nav_positive) {
      out.weight[a] = out.exposure[a] / nav;
      out.spot_weight[a] = out.spot_value[a] / nav;
    } else {
      out.weight[a] = 0.0;
      out.spot_weight[a] = 0.0;
    }
    out.drift[a] = out.weight[a] - targets_[a].weight;
  }
  return out;
}

}  // namespace ballast
