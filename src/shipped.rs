//! The rules and the example grantlog ships, embedded so the binary runs from any directory.

use crate::load::Text;

/// The shipped policy, as `--rules` files would give it.
pub fn rules() -> Vec<Text> {
    vec![Text::new(
        "rules/dataos.dl",
        include_str!("../rules/dataos.dl"),
    )]
}

/// The worked example (S30), loaded when no fact file is named.
pub fn example() -> Text {
    Text::new(
        "examples/worked-example.facts",
        include_str!("../examples/worked-example.facts"),
    )
}
