#include "ballast/core/valuation.hpp"

#include <algorithm>
#include <cstdlib>

namespace ballast {

void value_portfolio(const Universe& universe, const TargetTable& targets,
                     const PortfolioState& portfolio, const MarketState& market,
                     Valuation& out) noexcept {
  // Only the assets in use are reset: the arrays hold kMaxAssets, zeroing them all is most
  // of this function's time on a small book.
  const std::size_t n_assets = universe.assets.size();
  // Entries past the assets in use stay zero, as in a fresh Valuation: clear what a
  // previous, larger universe left there.
  const std::size_t previous = std::min(out.asset_count, kMaxAssets);
  for (std::size_t a = n_assets; a < previous; ++a) {
    out.spot_value[a] = out.futures_exposure[a] = out.exposure[a] = 0.0;
    out.weight[a] = out.spot_weight[a] = out.drift[a] = 0.0;
  }
  out.futures_upnl = 0.0;
  out.gross_futures_notional = 0.0;
  out.asset_count = n_assets;
  std::fill_n(out.futures_exposure.begin(), n_assets, 0.0);
  std::fill_n(out.exposure.begin(), n_assets, 0.0);
  std::fill_n(out.weight.begin(), n_assets, 0.0);
  std::fill_n(out.spot_weight.begin(), n_assets, 0.0);
  const AssetId base = universe.base_currency;

  double nav = portfolio.cash;
  for (std::size_t a = 0; a < n_assets; ++a) {
    const double price = a == base ? 1.0 : market.spot_price[a];
    const double value = portfolio.spot_qty[a] * price;
    out.spot_value[a] = value;
    nav += value;
  }
  if (base != kNoAsset) out.spot_value[base] += portfolio.cash;

  for (std::size_t i = 0; i < universe.instruments.size(); ++i) {
    const InstrumentSpec& spec = universe.instruments[i];
    const FuturesPosition& pos = portfolio.positions[i];
    if (!spec.is_derivative() || pos.lots == 0) continue;
    const double mark = market.mark[i];
    if (mark <= 0.0) continue;
    const double contracts = position_contracts(spec, pos);
    const double value = spec.notional(contracts, mark);
    const double upnl = spec.unrealized_pnl(contracts, pos.entry_price, mark);
    nav += upnl;
    out.futures_upnl += upnl;
    out.gross_futures_notional += value < 0 ? -value : value;
    // An inverse contract's P&L is held in coin, so it is coin exposure too: the
    // position's true dollar delta is contracts * value + upnl (d(USD value)/d ln mark).
    out.futures_exposure[spec.base] += spec.is_inverse() ? value + upnl : value;
  }
  out.nav = nav;

  double others = 0.0;
  for (std::size_t a = 0; a < n_assets; ++a) {
    if (a == base) continue;
    out.exposure[a] = out.spot_value[a] + out.futures_exposure[a];
    others += out.exposure[a];
  }
  if (base != kNoAsset) out.exposure[base] = nav - others;

  out.nav_positive = nav > 0.0;
  for (std::size_t a = 0; a < n_assets; ++a) {
    if (out.nav_positive) {
      out.weight[a] = out.exposure[a] / nav;
      out.spot_weight[a] = out.spot_value[a] / nav;
    }
    out.drift[a] = out.weight[a] - targets[a].weight;
  }
}

void apply_fill(const Universe& universe, PortfolioState& portfolio, InstrumentId instrument,
                std::int64_t signed_lots, double price, double fee) noexcept {
  const InstrumentSpec& spec = universe.instruments[instrument];
  const double qty = static_cast<double>(signed_lots) * spec.lot_size_d;
  if (!spec.is_derivative()) {
    portfolio.cash -= fee;
    const double base_qty = qty * spec.contract_size_d;
    portfolio.spot_qty[spec.base] += base_qty;
    portfolio.cash -= base_qty * price;
    return;
  }
  // COIN-M (inverse) contracts settle in the coin: the fee and the realised P&L move the
  // coin held, never the quote cash (DOMAIN.md, Valuation). Booking coin P&L as dollars
  // would leave the coin's exposure short by exactly that P&L.
  const bool coin = spec.is_inverse();
  if (coin)
    portfolio.spot_qty[spec.base] -= price > 0.0 ? fee / price : 0.0;
  else
    portfolio.cash -= fee;
  FuturesPosition& pos = portfolio.positions[instrument];
  const std::int64_t before = pos.lots;
  const std::int64_t after = before + signed_lots;
  const bool same_direction = before == 0 || (before > 0) == (signed_lots > 0);
  if (same_direction) {
    const double c0 = position_contracts(spec, pos);
    const double c1 = c0 + qty;
    if (coin) {  // inverse entries average harmonically (by coin value)
      const double coins = (c0 != 0.0 ? c0 / pos.entry_price : 0.0) + qty / price;
      pos.entry_price = coins != 0.0 ? c1 / coins : 0.0;
    } else {
      pos.entry_price = c1 != 0.0 ? (c0 * pos.entry_price + qty * price) / c1 : 0.0;
    }
    pos.lots = after;
    return;
  }
  // Reducing (and perhaps flipping): the closed part realises its P&L at `price`.
  const std::int64_t closed_lots = std::min(std::llabs(before), std::llabs(signed_lots));
  const double closed =
      static_cast<double>(before > 0 ? closed_lots : -closed_lots) * spec.lot_size_d;
  if (coin)
    portfolio.spot_qty[spec.base] += realized_coin_pnl(spec, closed, pos.entry_price, price);
  else
    portfolio.cash += spec.unrealized_pnl(closed, pos.entry_price, price);
  pos.lots = after;
  if (after == 0) {
    pos.entry_price = 0.0;
  } else if ((after > 0) != (before > 0)) {
    pos.entry_price = price;  // flipped: the remainder opened at this fill
  }
}

}  // namespace ballast
