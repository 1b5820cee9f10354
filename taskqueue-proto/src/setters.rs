//! Chained builder setters, declared a line each.

/// `field: Type;` writes `pub fn field(mut self, value: Type) -> Self`
/// setting `self.field = Some(value)`; `field: Type => into;` converts first.
macro_rules! option_setters {
    ($($(#[$doc:meta])* $field:ident: $ty:ty $(=> $conv:ident)?;)+) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $field(mut self, value: $ty) -> Self {
                self.$field = Some(value$(.$conv())?);
                self
            }
        )+
    };
}

/// The same as [`option_setters!`] for fields that are not `Option`s:
/// `self.field = value`.
macro_rules! setters {
    ($($(#[$doc:meta])* $field:ident: $ty:ty $(=> $conv:ident)?;)+) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $field(mut self, value: $ty) -> Self {
                self.$field = value$(.$conv())?;
                self
            }
        )+
    };
}

pub(crate) use {option_setters, setters};
