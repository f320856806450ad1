// The one way a duration is shown to people, in every table and message of
// gene, worker and coordinator: four significant digits and an SI prefix
// (850.0 ns, 12.30 us, 46.37 ms, 1.234 s; 1234 s past a thousand seconds),
// "0 s" for zero and "n/a" when the value is not finite.
#pragma once

#include <string>

namespace gene::report {

std::string format_seconds(double seconds);

// Four significant digits, trailing zeros kept (12.00, 100.0); values of a
// thousand or more are rounded to an integer.
std::string four_digits(double v);

}  // namespace gene::report
