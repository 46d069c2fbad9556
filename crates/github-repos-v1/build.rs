// Scaffolded by `cargo xtask gen` from contracts/github/repos.v1.yaml. Do not edit.
fn main() {
    tether_codegen::build("../../contracts/github/repos.v1.yaml");
}
