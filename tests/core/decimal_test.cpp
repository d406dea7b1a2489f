#include "ballast/core/decimal.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace ballast::decimal_test {
namespace {

TEST(DecimalTest, ParsesPlainAndExponentText) {
  EXPECT_EQ(*Decimal::parse("0.001"), (Decimal{1, 3}));
  EXPECT_EQ(*Decimal::parse("70010.0"), (Decimal{70010, 0}));
  EXPECT_EQ(*Decimal::parse("-2.50"), (Decimal{-25, 1}));
  EXPECT_EQ(*Decimal::parse("1e-7"), (Decimal{1, 7}));
  EXPECT_EQ(*Decimal::parse("1.5E3"), (Decimal{1500, 0}));
  EXPECT_EQ(*Decimal::parse("1_000"), (Decimal{1000, 0}));
}

TEST(DecimalTest, RejectsGarbage) {
  for (const char* bad : {"", "-", ".", "1.2.3", "abc", "1e", "1ex", "99999999999999999999"})
    EXPECT_FALSE(Decimal::parse(bad).has_value()) << bad;
}

TEST(DecimalTest, FromDoubleRecoversTheLiteral) {
  EXPECT_EQ(Decimal::from_double(0.1)->to_string(), "0.1");
  EXPECT_EQ(Decimal::from_double(0.001)->to_string(), "0.001");
  EXPECT_EQ(Decimal::from_double(0.9285714)->to_string(), "0.9285714");
  EXPECT_EQ(Decimal::from_double(70010.0)->to_string(), "70010");
  EXPECT_EQ(Decimal::from_double(1e-8)->to_string(), "0.00000001");
  EXPECT_FALSE(Decimal::from_double(std::nan("")).has_value());
}

TEST(DecimalTest, ToStringPadsSmallFractionsAndSigns) {
  EXPECT_EQ((Decimal{5, 3}).to_string(), "0.005");
  EXPECT_EQ((Decimal{-5, 3}).to_string(), "-0.005");
  EXPECT_EQ((Decimal{2142857, 7}).to_string(), "0.2142857");
  EXPECT_EQ((Decimal{1200, 2}).to_string(), "12");
  EXPECT_EQ((Decimal{0, 5}).to_string(), "0");
}

TEST(DecimalTest, SignificantDigitsCountsTheNormalizedMantissa) {
  EXPECT_EQ((Decimal{1000, 3}).significant_digits(), 1);
  EXPECT_EQ((Decimal{123456789012345, 5}).significant_digits(), 15);
}

TEST(DecimalTest, StepsExactDividesWithoutBinaryError) {
  const auto r = steps_exact(Decimal{3, 1}, Decimal{1, 1});  // 0.3 / 0.1
  ASSERT_TRUE(r);
  EXPECT_EQ(r->steps, 3);
  EXPECT_TRUE(r->exact);
  const auto t = steps_exact(Decimal{2145, 4}, Decimal{1, 3});  // 0.2145 / 0.001
  ASSERT_TRUE(t);
  EXPECT_EQ(t->steps, 214);
  EXPECT_FALSE(t->exact);
  EXPECT_NEAR(t->residual, 0.0005, 1e-15);
  const auto neg = steps_exact(Decimal{-2145, 4}, Decimal{1, 3});
  EXPECT_EQ(neg->steps, -214);  // toward zero, not floor
}

TEST(DecimalTest, StepsTowardZeroTruncatesAndReportsTheResidual) {
  const auto r = steps_toward_zero(15000.0 / 70000.0, Decimal{1, 7});
  EXPECT_EQ(r.steps, 2142857);
  EXPECT_FALSE(r.exact);
  EXPECT_NEAR(r.residual, 15000.0 / 70000.0 - 0.2142857, 1e-12);
  const auto s = steps_toward_zero(-2.9, Decimal{1, 0});
  EXPECT_EQ(s.steps, -2);
  EXPECT_NEAR(s.residual, -0.9, 1e-12);
}

TEST(DecimalTest, StepsTowardZeroKeepsExactMultiplesExact) {
  // 0.3 / 0.1 is 2.9999999999999996 in binary; a multiple of the lot must stay whole.
  const auto r = steps_toward_zero(0.3, Decimal{1, 1});
  EXPECT_EQ(r.steps, 3);
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.residual, 0.0);
}

// Property: for lot sizes the config can express and any whole number of lots n, the
// double n * lot (as the planner computes it) rounds back to exactly n lots, and the
// printed quantity is exactly n * lot in decimal.
TEST(DecimalTest, PropertyWholeLotMultiplesRoundTrip) {
  std::mt19937_64 rng(20261122);
  const Decimal lots[] = {{1, 0}, {1, 1}, {1, 2}, {1, 3}, {5, 3}, {1, 5}, {1, 7}, {25, 2}, {1, 8}};
  std::uniform_int_distribution<std::int64_t> count(-10'000'000, 10'000'000);
  for (const Decimal& lot : lots) {
    for (int k = 0; k < 20000; ++k) {
      const std::int64_t n = count(rng);
      const double value = static_cast<double>(n) * lot.to_double();
      const StepRounding r = steps_toward_zero(value, lot);
      ASSERT_EQ(r.steps, n) << "lot " << lot.to_string() << " value " << value;
      const auto exact = multiply_steps(n, lot);
      ASSERT_TRUE(exact);
      const auto reparsed = Decimal::parse(exact->to_string());
      ASSERT_TRUE(reparsed);
      ASSERT_EQ(steps_exact(*reparsed, lot)->steps, n);
    }
  }
}

// Property: rounding is toward zero and never adds quantity: |steps * lot| <= |value|
// (up to the snap tolerance) and the residual is below one lot with the value's sign.
TEST(DecimalTest, PropertyRoundingNeverExceedsTheValue) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> value(-1e6, 1e6);
  const Decimal lot{1, 3};
  for (int k = 0; k < 100000; ++k) {
    const double v = value(rng);
    const StepRounding r = steps_toward_zero(v, lot);
    const double q = static_cast<double>(r.steps) * 0.001;
    ASSERT_LE(std::fabs(q), std::fabs(v) * (1 + 1e-9) + 1e-12);
    ASSERT_LT(std::fabs(r.residual), 0.001 + 1e-12);
    if (r.residual != 0.0) {
      ASSERT_EQ(std::signbit(r.residual), std::signbit(v));
    }
  }
}

// Property: every literal of up to 15 significant digits survives text -> double -> text.
TEST(DecimalTest, PropertyFifteenDigitLiteralsRoundTripThroughDouble) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> mantissa(1, 999'999'999'999'999);
  std::uniform_int_distribution<int> scale(0, 12);
  for (int k = 0; k < 100000; ++k) {
    const Decimal d = Decimal{mantissa(rng), scale(rng)}.normalized();
    const auto back = Decimal::from_double(d.to_double());
    ASSERT_TRUE(back);
    ASSERT_EQ(*back, d) << d.to_string() << " came back as " << back->to_string();
  }
}

}  // namespace
}  // namespace ballast::decimal_test
