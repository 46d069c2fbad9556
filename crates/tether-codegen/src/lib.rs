//! tether-codegen
