// The contract is this crate's own (not under contracts/: it has no provider, fixtures
// or brief), extracted from upstream/edge.openapi.yaml; its policy is GitHub's with the
// provider renamed.
fn main() {
    tether_codegen::build("contract/shapes/edge.v1.yaml");
}
