// PriceProcess and MarkModel: seeded determinism, Cholesky, measured volatility and
// correlation within statistical tolerance, jump frequency, Binance's funding clamp, the
// perpetual premium's stationary law and the dated future's basis converging at expiry.
#include "ballast/venue/price_process.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "ballast/venue/mark_model.hpp"
#include "venue_fixtures.hpp"

namespace ballast::venue::price_process_test {
namespace {

constexpr std::int64_t kNs = 1'000'000'000;
constexpr std::int64_t kT0 = 1'704'067'200 * kNs;

PriceProcessConfig two_assets(double corr, std::uint64_t seed) {
  PriceProcessConfig c;
  c.assets = {AssetWalkConfig{"BTC", 60000.0, 0.80, 0.0, 0.0, 0.0, 0.0},
              AssetWalkConfig{"ETH", 3000.0, 0.60, 0.0, 0.0, 0.0, 0.0}};
  c.correlation = {1.0, corr, corr, 1.0};
  c.seed = seed;
  c.start_ns = kT0;
  return c;
}

struct Moments {
  double sd0 = 0.0;
  double sd1 = 0.0;
  double corr = 0.0;
};

// Sample statistics of log returns over `steps` steps of `dt_ns`.
Moments measure(PriceProcess& p, int steps, std::int64_t dt_ns) {
  double s0 = 0, s1 = 0, s00 = 0, s11 = 0, s01 = 0;
  std::int64_t t = p.now_ns();
  for (int k = 0; k < steps; ++k) {
    const double a = p.price(0), b = p.price(1);
    t += dt_ns;
    p.advance_to(t);
    const double r0 = std::log(p.price(0) / a), r1 = std::log(p.price(1) / b);
    s0 += r0;
    s1 += r1;
    s00 += r0 * r0;
    s11 += r1 * r1;
    s01 += r0 * r1;
  }
  const double n = steps;
  const double v0 = s00 / n - (s0 / n) * (s0 / n);
  const double v1 = s11 / n - (s1 / n) * (s1 / n);
  const double c01 = s01 / n - (s0 / n) * (s1 / n);
  return Moments{std::sqrt(v0), std::sqrt(v1), c01 / std::sqrt(v0 * v1)};
}

TEST(PriceProcessTest, SameSeedSamePathOtherSeedOtherPath) {
  PriceProcess a(two_assets(0.7, 42));
  PriceProcess b(two_assets(0.7, 42));
  PriceProcess c(two_assets(0.7, 43));
  for (int k = 1; k <= 1000; ++k) {
    a.advance_to(kT0 + k * kNs);
    b.advance_to(kT0 + k * kNs);
    c.advance_to(kT0 + k * kNs);
    ASSERT_EQ(a.price(0), b.price(0));  // bit for bit
    ASSERT_EQ(a.price(1), b.price(1));
  }
  EXPECT_NE(a.price(0), c.price(0));
  EXPECT_EQ(a.now_ns(), kT0 + 1000 * kNs);
  a.advance_to(kT0);  // backwards: ignored
  EXPECT_EQ(a.now_ns(), kT0 + 1000 * kNs);
}

TEST(PriceProcessTest, CholeskyFactorReproducesTheMatrix) {
  const std::vector<double> m = {1.0, 0.5, 0.2, 0.5, 1.0, -0.3, 0.2, -0.3, 1.0};
  const auto l = cholesky(m, 3);
  ASSERT_TRUE(l);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) {
      double s = 0.0;
      for (std::size_t k = 0; k < 3; ++k) s += (*l)[i * 3 + k] * (*l)[j * 3 + k];
      EXPECT_NEAR(s, m[i * 3 + j], 1e-12);
      if (j > i) {
        EXPECT_EQ((*l)[i * 3 + j], 0.0);
      }
    }
  EXPECT_FALSE(cholesky({1.0, 0.9, 0.9, 0.9, 1.0, -0.9, 0.9, -0.9, 1.0}, 3));  // not PD
  EXPECT_FALSE(cholesky({1.0, 0.5, 0.4, 1.0}, 2));                             // asymmetric
  EXPECT_FALSE(cholesky({1.0, 0.5}, 2));                                       // wrong size
}

TEST(PriceProcessTest, InvalidConfigsThrowWithAReason) {
  PriceProcessConfig c = two_assets(0.5, 1);
  c.correlation = {1.0, 1.5, 1.5, 1.0};
  EXPECT_THROW(PriceProcess{c}, std::invalid_argument);
  c = two_assets(0.5, 1);
  c.correlation = {1.0, 0.5, 0.5};
  EXPECT_NE(validate(c).find("2x2"), std::string::npos);
  c = two_assets(0.5, 1);
  c.assets[1].initial_price = 0.0;
  EXPECT_NE(validate(c).find("ETH"), std::string::npos);
  c = two_assets(0.5, 1);
  c.assets[0].annual_volatility = -0.1;
  EXPECT_THROW(PriceProcess{c}, std::invalid_argument);
  c = two_assets(1.0, 1);  // perfectly correlated: singular
  EXPECT_THROW(PriceProcess{c}, std::invalid_argument);
  c = two_assets(0.5, 1);
  c.correlation.clear();  // independent
  EXPECT_EQ(validate(c), "");
}

TEST(PriceProcessTest, MeasuredVolatilityAndCorrelationMatchTheConfig) {
  // 100,000 one-minute steps. Standard errors: correlation (1 - rho^2) / sqrt(n) = 0.0016,
  // volatility sigma / sqrt(2n) = 0.22% relative; the tolerances are five of those.
  PriceProcess p(two_assets(0.7, 7));
  const std::int64_t dt = 60 * kNs;
  const int n = 100'000;
  const Moments m = measure(p, n, dt);
  const double dt_years = 60.0 / (365.0 * 24 * 3600);
  EXPECT_NEAR(m.sd0 / std::sqrt(dt_years), 0.80, 0.80 * 0.011);
  EXPECT_NEAR(m.sd1 / std::sqrt(dt_years), 0.60, 0.60 * 0.011);
  EXPECT_NEAR(m.corr, 0.7, 0.008);

  PriceProcess q(two_assets(-0.4, 8));
  EXPECT_NEAR(measure(q, n, dt).corr, -0.4, 5 * (1 - 0.16) / std::sqrt(n));
}

TEST(PriceProcessTest, StepSizeDoesNotChangeTheVolatility) {
  // The exact GBM step: hourly steps give the same annualised volatility as minutes.
  PriceProcess p(two_assets(0.0, 9));
  const int n = 40'000;
  const Moments m = measure(p, n, 3600 * kNs);
  const double dt_years = 3600.0 / (365.0 * 24 * 3600);
  EXPECT_NEAR(m.sd0 / std::sqrt(dt_years), 0.80, 0.80 * 5 / std::sqrt(2.0 * n));
  EXPECT_NEAR(m.corr, 0.0, 5 / std::sqrt(n));
}

TEST(PriceProcessTest, JumpsArriveAtTheirIntensityAndAddVariance) {
  PriceProcessConfig c;
  c.assets = {AssetWalkConfig{"BTC", 60000.0, 0.5, 0.0, 50.0, -0.02, 0.05}};
  c.seed = 11;
  c.start_ns = kT0;
  PriceProcess p(c);
  // Ten simulated years in hourly steps: 500 jumps expected, sd sqrt(500) = 22.
  const std::int64_t hour = 3600 * kNs;
  const int steps = 10 * 365 * 24;
  double s = 0, ss = 0;
  for (int k = 1; k <= steps; ++k) {
    const double before = p.price(0);
    p.advance_to(kT0 + k * hour);
    const double r = std::log(p.price(0) / before);
    s += r;
    ss += r * r;
  }
  EXPECT_NEAR(static_cast<double>(p.jump_count(0)), 500.0, 5 * 22.4);
  // Annual variance: sigma^2 + lambda * (m^2 + s^2) = 0.25 + 50 * 0.0029 = 0.395.
  const double var_per_year = (ss / steps - (s / steps) * (s / steps)) * (365.0 * 24);
  EXPECT_NEAR(var_per_year, 0.395, 0.055);  // about five standard errors
  EXPECT_GT(p.price(0), 0.0);
}

TEST(PriceProcessTest, FundingRateFollowsBinanceClampAndCap) {
  const FundingParams f;  // I = 0.01%, clamp 0.05%, cap 0.75%
  EXPECT_DOUBLE_EQ(funding_rate_from_premium(0.0001, f), 0.0001);
  // Within 0.05% of the interest rate the rate is the interest rate itself.
  EXPECT_DOUBLE_EQ(funding_rate_from_premium(0.0003, f), 0.0001);
  EXPECT_DOUBLE_EQ(funding_rate_from_premium(-0.0003, f), 0.0001);
  EXPECT_DOUBLE_EQ(funding_rate_from_premium(0.0010, f), 0.0005);
  EXPECT_DOUBLE_EQ(funding_rate_from_premium(-0.0010, f), -0.0005);
  EXPECT_DOUBLE_EQ(funding_rate_from_premium(0.0200, f), 0.0075);
  EXPECT_DOUBLE_EQ(funding_rate_from_premium(-0.0200, f), -0.0075);
}

TEST(PriceProcessTest, MarksFollowIndexPremiumAndBasis) {
  testing::TestUniverse tu;
  MarkModelConfig c;
  c.perpetual.mean_premium = 0.0002;
  c.perpetual.premium_stdev = 0.0004;
  c.perpetual.reversion_hours = 2.0;
  c.future.annual_basis = 0.10;
  MarkModel model(tu.universe, c);
  std::array<double, kMaxAssets> px{};
  const AssetId btc = tu.universe.find_asset("BTC");
  const AssetId eth = tu.universe.find_asset("ETH");
  px[btc] = 50000.0;
  px[eth] = 2500.0;
  const std::int64_t expiry = testing::TestUniverse::kExpiryS * kNs;
  const std::int64_t year = 365LL * 24 * 3600 * kNs;

  model.update(expiry - year, px);
  EXPECT_DOUBLE_EQ(model.index(tu.perp), 50000.0);
  EXPECT_DOUBLE_EQ(model.mark(tu.spot), 50000.0);
  EXPECT_DOUBLE_EQ(model.index(tu.eth_perp), 2500.0);
  EXPECT_DOUBLE_EQ(model.mark(tu.perp), 50000.0 * (1 + model.premium(tu.perp)));
  EXPECT_NEAR(model.mark(tu.future), 50000.0 * 1.10, 1e-6);  // a year out: 10% basis
  model.update(expiry - year / 2, px);
  EXPECT_NEAR(model.mark(tu.future), 50000.0 * 1.05, 1e-6);
  model.update(expiry, px);
  EXPECT_DOUBLE_EQ(model.mark(tu.future), 50000.0);  // converged at expiry
  model.update(expiry + 3600 * kNs, px);
  EXPECT_DOUBLE_EQ(model.mark(tu.future), 50000.0);
  EXPECT_EQ(model.funding_rate(tu.future), 0.0);

  // The premium's long-run law: mean 0.0002, stdev 0.0004 (samples 10 reversion times
  // apart are nearly independent).
  double s = 0, ss = 0;
  const int n = 4000;
  std::int64_t t = expiry;
  for (int k = 0; k < n; ++k) {
    t += 20 * 3600 * kNs;
    model.update(t, px);
    const double x = model.premium(tu.perp);
    s += x;
    ss += x * x;
    ASSERT_DOUBLE_EQ(model.funding_rate(tu.perp), funding_rate_from_premium(x, c.funding));
  }
  const double mean = s / n;
  EXPECT_NEAR(mean, 0.0002, 5 * 0.0004 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(ss / n - mean * mean), 0.0004, 0.0004 * 5 / std::sqrt(2.0 * n));
}

}  // namespace
}  // namespace ballast::venue::price_process_test
