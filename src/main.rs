fn main() -> std::process::ExitCode {
    grantlog::cli::main()
}
