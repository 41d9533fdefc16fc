fn main() {
    println!("grantlog: under construction");
}
