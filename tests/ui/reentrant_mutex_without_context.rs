//! `ReentrantMutex` exists only for backends that can tell which thread runs (`wait::ContextId`):
//! `spin` names none, and the generic form on `Spin` does not compile.

fn main() {
    let _ = baresync::spin::ReentrantMutex::new(0);
    let _ = baresync::generic::ReentrantMutex::<u8, baresync::wait::Spin>::new(0);
}
