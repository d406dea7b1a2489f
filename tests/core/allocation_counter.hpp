// Counts every allocation of the test binary that links ballast_allocation_counter (it
// replaces the global operator new/delete, allocation_counter.cpp), so a test can prove a
// path allocates nothing. The counters are defined beside the replacements: a test that
// includes this header without linking them fails to link instead of counting nothing.
#pragma once

#include <cstddef>

namespace ballast::testing {
// Allocations since the process started; a test compares two readings.
long allocation_count() noexcept;
// The largest single allocation since the last reset: "streamed, not held whole".
void reset_largest_allocation() noexcept;
std::size_t largest_allocation() noexcept;
}  // namespace ballast::testing
