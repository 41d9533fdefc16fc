//! Printing the AST back as canonical source.
