//! grantlog: access models as Datalog rules, answering who may do what, why, and why not.

pub mod diag;
pub mod facts;
pub mod source;
pub mod syntax;
pub mod cli;
pub mod load;
pub mod shipped;
