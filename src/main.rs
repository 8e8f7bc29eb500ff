fn main() {
    println!("penv: under construction");
}
