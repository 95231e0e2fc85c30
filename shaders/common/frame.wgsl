// What a render kernel is told about the frame it writes (one uniform per frame slot), shared
// by every render kernel. Keep in sync with `FrameParams` in substrates/src/substrate.rs.
struct FrameParams {
    slot: u32,
    size: u32,
    slots: u32,
    worlds: u32,
}
