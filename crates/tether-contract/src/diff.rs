//! placeholder until helper lands
