//! Background loops on the ampere reactor (MadelineProto's loop family). Filled in by issue #5.
#![forbid(unsafe_code)]
