/// Sums of count cells that cannot trap.
///
/// A count cell holds at most 15 digits (what Excel keeps exactly), but a sum of many such cells can still pass
/// `Int.max`: 9,224 rows of `999999999999999` participants in one village's trainings.csv overflowed and the
/// process died with SIGILL (review, tenth session). Such a figure is meaningless either way; it is held at
/// `Int.max` (or `Int.min`) so the run finishes and the absurd total stands out in the report, next to the rows
/// the clerk must correct.
extension Int {
    /// `self + other`, held at `Int.max` / `Int.min` instead of overflowing.
    @inline(__always)
    func saturatingAdding(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
