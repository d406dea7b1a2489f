// One name for the 128-bit integers of GCC and Clang: exact products and quotients of two
// 18-digit decimal mantissas (Decimal, step conversions, latency sums) need them.
// `__extension__` keeps -Wpedantic quiet about a non-standard type, in one place.
#pragma once

namespace ballast {

__extension__ using Int128 = __int128;
__extension__ using UInt128 = unsigned __int128;

}  // namespace ballast
