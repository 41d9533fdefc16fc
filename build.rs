// The grammar lives in grammar/ (not src/) so that the policy language has one obvious home.
fn main() {
    lalrpop::Configuration::new()
        .set_in_dir("grammar")
        .set_out_dir(std::env::var("OUT_DIR").unwrap())
        .emit_rerun_directives(true)
        .process()
        .expect("grammar/ failed to generate a parser");
}
