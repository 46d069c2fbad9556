// Scaffolded by `cargo xtask gen` from contracts/stripe/customers.v1.yaml. Do not edit.
fn main() {
    tether_codegen::build("../../contracts/stripe/customers.v1.yaml");
}
