use crate::scenarios::Scenario;
/// The cases.
pub const CASES: &[Scenario] = &[];
