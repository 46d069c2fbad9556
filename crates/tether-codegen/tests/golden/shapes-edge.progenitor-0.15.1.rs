#[allow(unused_imports)]
pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
#[allow(unused_imports)]
use progenitor_client::{encode_path, ClientHooks, OperationInfo, RequestBuilderExt};
/// Types used as operation parameters and responses.
#[allow(clippy::all)]
pub mod types {
    ///`DefaultSchema`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct DefaultSchema {
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub on: ::std::option::Option<bool>,
    }
    impl DefaultSchema {
        pub fn builder() -> builder::DefaultSchema {
            Default::default()
        }
    }
    ///`ExtractorGetResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct ExtractorGetResponse {
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub title: ::std::option::Option<::std::string::String>,
    }
    impl ExtractorGetResponse {
        pub fn builder() -> builder::ExtractorGetResponse {
            Default::default()
        }
    }
    ///`KeysListResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct KeysListResponse {
        #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
        pub errors: ::std::vec::Vec<::std::string::String>,
        #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
        pub result: ::std::vec::Vec<::std::string::String>,
    }
    impl KeysListResponse {
        pub fn builder() -> builder::KeysListResponse {
            Default::default()
        }
    }
    ///`OrgConditions`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct OrgConditions {
        pub org: ::std::string::String,
    }
    impl OrgConditions {
        pub fn builder() -> builder::OrgConditions {
            Default::default()
        }
    }
    ///`ReportDefinitionsPeriod`
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Copy,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd
    )]
    pub enum ReportDefinitionsPeriod {
        #[serde(rename = "day")]
        Day,
        #[serde(rename = "week")]
        Week,
    }
    impl ::std::fmt::Display for ReportDefinitionsPeriod {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            match *self {
                Self::Day => f.write_str("day"),
                Self::Week => f.write_str("week"),
            }
        }
    }
    impl ::std::str::FromStr for ReportDefinitionsPeriod {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            match value {
                "day" => Ok(Self::Day),
                "week" => Ok(Self::Week),
                _ => Err("invalid value".into()),
            }
        }
    }
    impl ::std::convert::TryFrom<&str> for ReportDefinitionsPeriod {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for ReportDefinitionsPeriod {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    ///`ReportsGetResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct ReportsGetResponse {
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub period: ::std::option::Option<ReportDefinitionsPeriod>,
        pub rows: i64,
    }
    impl ReportsGetResponse {
        pub fn builder() -> builder::ReportsGetResponse {
            Default::default()
        }
    }
    ///`Run`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct Run {
        #[serde(default = "defaults::default_u64::<i64, 1>")]
        pub attempt: i64,
        pub id: i64,
        #[serde(default = "defaults::run_level")]
        pub level: RunLevel,
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub status: ::std::option::Option<RunStatus>,
    }
    impl Run {
        pub fn builder() -> builder::Run {
            Default::default()
        }
    }
    ///`RunLevel`
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Copy,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd
    )]
    pub enum RunLevel {
        #[serde(rename = "none")]
        None,
        #[serde(rename = "1")]
        X1,
        #[serde(rename = "2")]
        X2,
    }
    impl ::std::fmt::Display for RunLevel {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            match *self {
                Self::None => f.write_str("none"),
                Self::X1 => f.write_str("1"),
                Self::X2 => f.write_str("2"),
            }
        }
    }
    impl ::std::str::FromStr for RunLevel {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            match value {
                "none" => Ok(Self::None),
                "1" => Ok(Self::X1),
                "2" => Ok(Self::X2),
                _ => Err("invalid value".into()),
            }
        }
    }
    impl ::std::convert::TryFrom<&str> for RunLevel {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for RunLevel {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::default::Default for RunLevel {
        fn default() -> Self {
            RunLevel::X1
        }
    }
    ///`RunStatus`
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Copy,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd
    )]
    pub enum RunStatus {
        #[serde(rename = "queued")]
        Queued,
        #[serde(rename = "completed")]
        Completed,
    }
    impl ::std::fmt::Display for RunStatus {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            match *self {
                Self::Queued => f.write_str("queued"),
                Self::Completed => f.write_str("completed"),
            }
        }
    }
    impl ::std::str::FromStr for RunStatus {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            match value {
                "queued" => Ok(Self::Queued),
                "completed" => Ok(Self::Completed),
                _ => Err("invalid value".into()),
            }
        }
    }
    impl ::std::convert::TryFrom<&str> for RunStatus {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for RunStatus {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    ///`RunsListResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct RunsListResponse {
        pub total_count: i64,
        pub workflow_runs: ::std::vec::Vec<Run>,
    }
    impl RunsListResponse {
        pub fn builder() -> builder::RunsListResponse {
            Default::default()
        }
    }
    ///`Thing`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct Thing {
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub conditions: ::std::option::Option<ThingConditionsInline>,
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub defaults: ::std::option::Option<DefaultSchema>,
        pub id: ::std::string::String,
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub status: ::std::option::Option<ThingStatus>,
    }
    impl Thing {
        pub fn builder() -> builder::Thing {
            Default::default()
        }
    }
    ///`ThingConditions`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct ThingConditions {
        pub ref_name: ::std::string::String,
    }
    impl ThingConditions {
        pub fn builder() -> builder::ThingConditions {
            Default::default()
        }
    }
    ///`ThingConditionsInline`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    #[serde(untagged)]
    pub enum ThingConditionsInline {
        ThingConditions(ThingConditions),
        OrgConditions(OrgConditions),
    }
    impl ::std::convert::From<ThingConditions> for ThingConditionsInline {
        fn from(value: ThingConditions) -> Self {
            Self::ThingConditions(value)
        }
    }
    impl ::std::convert::From<OrgConditions> for ThingConditionsInline {
        fn from(value: OrgConditions) -> Self {
            Self::OrgConditions(value)
        }
    }
    ///`ThingStatus`
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Copy,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd
    )]
    pub enum ThingStatus {
        #[serde(rename = "active")]
        Active,
        #[serde(rename = "archived")]
        Archived,
    }
    impl ::std::fmt::Display for ThingStatus {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            match *self {
                Self::Active => f.write_str("active"),
                Self::Archived => f.write_str("archived"),
            }
        }
    }
    impl ::std::str::FromStr for ThingStatus {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            match value {
                "active" => Ok(Self::Active),
                "archived" => Ok(Self::Archived),
                _ => Err("invalid value".into()),
            }
        }
    }
    impl ::std::convert::TryFrom<&str> for ThingStatus {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for ThingStatus {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    ///`UploadsCreateBody`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct UploadsCreateBody {
        pub file: ::std::vec::Vec<u8>,
        #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
        pub tags: ::std::vec::Vec<::std::string::String>,
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub title: ::std::option::Option<::std::string::String>,
    }
    impl UploadsCreateBody {
        pub fn builder() -> builder::UploadsCreateBody {
            Default::default()
        }
    }
    /// Types for composing complex structures.
    pub mod builder {
        #[derive(Clone, Debug)]
        pub struct DefaultSchema {
            on: ::std::result::Result<
                ::std::option::Option<bool>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for DefaultSchema {
            fn default() -> Self {
                Self { on: Ok(Default::default()) }
            }
        }
        impl DefaultSchema {
            pub fn on<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<bool>>,
                T::Error: ::std::fmt::Display,
            {
                self.on = value
                    .try_into()
                    .map_err(|e| format!("error converting supplied value for on: {e}"));
                self
            }
        }
        impl ::std::convert::TryFrom<DefaultSchema> for super::DefaultSchema {
            type Error = super::error::ConversionError;
            fn try_from(
                value: DefaultSchema,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self { on: value.on? })
            }
        }
        impl ::std::convert::From<super::DefaultSchema> for DefaultSchema {
            fn from(value: super::DefaultSchema) -> Self {
                Self { on: Ok(value.on) }
            }
        }
        #[derive(Clone, Debug)]
        pub struct ExtractorGetResponse {
            title: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for ExtractorGetResponse {
            fn default() -> Self {
                Self {
                    title: Ok(Default::default()),
                }
            }
        }
        impl ExtractorGetResponse {
            pub fn title<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.title = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for title: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<ExtractorGetResponse>
        for super::ExtractorGetResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: ExtractorGetResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self { title: value.title? })
            }
        }
        impl ::std::convert::From<super::ExtractorGetResponse> for ExtractorGetResponse {
            fn from(value: super::ExtractorGetResponse) -> Self {
                Self { title: Ok(value.title) }
            }
        }
        #[derive(Clone, Debug)]
        pub struct KeysListResponse {
            errors: ::std::result::Result<
                ::std::vec::Vec<::std::string::String>,
                ::std::string::String,
            >,
            result: ::std::result::Result<
                ::std::vec::Vec<::std::string::String>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for KeysListResponse {
            fn default() -> Self {
                Self {
                    errors: Ok(Default::default()),
                    result: Ok(Default::default()),
                }
            }
        }
        impl KeysListResponse {
            pub fn errors<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::vec::Vec<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.errors = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for errors: {e}")
                    });
                self
            }
            pub fn result<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::vec::Vec<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.result = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for result: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<KeysListResponse> for super::KeysListResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: KeysListResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    errors: value.errors?,
                    result: value.result?,
                })
            }
        }
        impl ::std::convert::From<super::KeysListResponse> for KeysListResponse {
            fn from(value: super::KeysListResponse) -> Self {
                Self {
                    errors: Ok(value.errors),
                    result: Ok(value.result),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct OrgConditions {
            org: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for OrgConditions {
            fn default() -> Self {
                Self {
                    org: Err("no value supplied for org".to_string()),
                }
            }
        }
        impl OrgConditions {
            pub fn org<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.org = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for org: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<OrgConditions> for super::OrgConditions {
            type Error = super::error::ConversionError;
            fn try_from(
                value: OrgConditions,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self { org: value.org? })
            }
        }
        impl ::std::convert::From<super::OrgConditions> for OrgConditions {
            fn from(value: super::OrgConditions) -> Self {
                Self { org: Ok(value.org) }
            }
        }
        #[derive(Clone, Debug)]
        pub struct ReportsGetResponse {
            period: ::std::result::Result<
                ::std::option::Option<super::ReportDefinitionsPeriod>,
                ::std::string::String,
            >,
            rows: ::std::result::Result<i64, ::std::string::String>,
        }
        impl ::std::default::Default for ReportsGetResponse {
            fn default() -> Self {
                Self {
                    period: Ok(Default::default()),
                    rows: Err("no value supplied for rows".to_string()),
                }
            }
        }
        impl ReportsGetResponse {
            pub fn period<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<super::ReportDefinitionsPeriod>,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.period = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for period: {e}")
                    });
                self
            }
            pub fn rows<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.rows = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for rows: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<ReportsGetResponse> for super::ReportsGetResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: ReportsGetResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    period: value.period?,
                    rows: value.rows?,
                })
            }
        }
        impl ::std::convert::From<super::ReportsGetResponse> for ReportsGetResponse {
            fn from(value: super::ReportsGetResponse) -> Self {
                Self {
                    period: Ok(value.period),
                    rows: Ok(value.rows),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct Run {
            attempt: ::std::result::Result<i64, ::std::string::String>,
            id: ::std::result::Result<i64, ::std::string::String>,
            level: ::std::result::Result<super::RunLevel, ::std::string::String>,
            status: ::std::result::Result<
                ::std::option::Option<super::RunStatus>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for Run {
            fn default() -> Self {
                Self {
                    attempt: Ok(super::defaults::default_u64::<i64, 1>()),
                    id: Err("no value supplied for id".to_string()),
                    level: Ok(super::defaults::run_level()),
                    status: Ok(Default::default()),
                }
            }
        }
        impl Run {
            pub fn attempt<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.attempt = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for attempt: {e}")
                    });
                self
            }
            pub fn id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.id = value
                    .try_into()
                    .map_err(|e| format!("error converting supplied value for id: {e}"));
                self
            }
            pub fn level<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::RunLevel>,
                T::Error: ::std::fmt::Display,
            {
                self.level = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for level: {e}")
                    });
                self
            }
            pub fn status<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<super::RunStatus>>,
                T::Error: ::std::fmt::Display,
            {
                self.status = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for status: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<Run> for super::Run {
            type Error = super::error::ConversionError;
            fn try_from(
                value: Run,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    attempt: value.attempt?,
                    id: value.id?,
                    level: value.level?,
                    status: value.status?,
                })
            }
        }
        impl ::std::convert::From<super::Run> for Run {
            fn from(value: super::Run) -> Self {
                Self {
                    attempt: Ok(value.attempt),
                    id: Ok(value.id),
                    level: Ok(value.level),
                    status: Ok(value.status),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct RunsListResponse {
            total_count: ::std::result::Result<i64, ::std::string::String>,
            workflow_runs: ::std::result::Result<
                ::std::vec::Vec<super::Run>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for RunsListResponse {
            fn default() -> Self {
                Self {
                    total_count: Err("no value supplied for total_count".to_string()),
                    workflow_runs: Err("no value supplied for workflow_runs".to_string()),
                }
            }
        }
        impl RunsListResponse {
            pub fn total_count<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.total_count = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for total_count: {e}")
                    });
                self
            }
            pub fn workflow_runs<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::vec::Vec<super::Run>>,
                T::Error: ::std::fmt::Display,
            {
                self.workflow_runs = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for workflow_runs: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<RunsListResponse> for super::RunsListResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: RunsListResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    total_count: value.total_count?,
                    workflow_runs: value.workflow_runs?,
                })
            }
        }
        impl ::std::convert::From<super::RunsListResponse> for RunsListResponse {
            fn from(value: super::RunsListResponse) -> Self {
                Self {
                    total_count: Ok(value.total_count),
                    workflow_runs: Ok(value.workflow_runs),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct Thing {
            conditions: ::std::result::Result<
                ::std::option::Option<super::ThingConditionsInline>,
                ::std::string::String,
            >,
            defaults: ::std::result::Result<
                ::std::option::Option<super::DefaultSchema>,
                ::std::string::String,
            >,
            id: ::std::result::Result<::std::string::String, ::std::string::String>,
            status: ::std::result::Result<
                ::std::option::Option<super::ThingStatus>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for Thing {
            fn default() -> Self {
                Self {
                    conditions: Ok(Default::default()),
                    defaults: Ok(Default::default()),
                    id: Err("no value supplied for id".to_string()),
                    status: Ok(Default::default()),
                }
            }
        }
        impl Thing {
            pub fn conditions<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<super::ThingConditionsInline>,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.conditions = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for conditions: {e}")
                    });
                self
            }
            pub fn defaults<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<super::DefaultSchema>>,
                T::Error: ::std::fmt::Display,
            {
                self.defaults = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for defaults: {e}")
                    });
                self
            }
            pub fn id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.id = value
                    .try_into()
                    .map_err(|e| format!("error converting supplied value for id: {e}"));
                self
            }
            pub fn status<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<super::ThingStatus>>,
                T::Error: ::std::fmt::Display,
            {
                self.status = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for status: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<Thing> for super::Thing {
            type Error = super::error::ConversionError;
            fn try_from(
                value: Thing,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    conditions: value.conditions?,
                    defaults: value.defaults?,
                    id: value.id?,
                    status: value.status?,
                })
            }
        }
        impl ::std::convert::From<super::Thing> for Thing {
            fn from(value: super::Thing) -> Self {
                Self {
                    conditions: Ok(value.conditions),
                    defaults: Ok(value.defaults),
                    id: Ok(value.id),
                    status: Ok(value.status),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct ThingConditions {
            ref_name: ::std::result::Result<
                ::std::string::String,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for ThingConditions {
            fn default() -> Self {
                Self {
                    ref_name: Err("no value supplied for ref_name".to_string()),
                }
            }
        }
        impl ThingConditions {
            pub fn ref_name<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.ref_name = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for ref_name: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<ThingConditions> for super::ThingConditions {
            type Error = super::error::ConversionError;
            fn try_from(
                value: ThingConditions,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self { ref_name: value.ref_name? })
            }
        }
        impl ::std::convert::From<super::ThingConditions> for ThingConditions {
            fn from(value: super::ThingConditions) -> Self {
                Self {
                    ref_name: Ok(value.ref_name),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct UploadsCreateBody {
            file: ::std::result::Result<::std::vec::Vec<u8>, ::std::string::String>,
            tags: ::std::result::Result<
                ::std::vec::Vec<::std::string::String>,
                ::std::string::String,
            >,
            title: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for UploadsCreateBody {
            fn default() -> Self {
                Self {
                    file: Err("no value supplied for file".to_string()),
                    tags: Ok(Default::default()),
                    title: Ok(Default::default()),
                }
            }
        }
        impl UploadsCreateBody {
            pub fn file<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::vec::Vec<u8>>,
                T::Error: ::std::fmt::Display,
            {
                self.file = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for file: {e}")
                    });
                self
            }
            pub fn tags<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::vec::Vec<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.tags = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for tags: {e}")
                    });
                self
            }
            pub fn title<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.title = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for title: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<UploadsCreateBody> for super::UploadsCreateBody {
            type Error = super::error::ConversionError;
            fn try_from(
                value: UploadsCreateBody,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    file: value.file?,
                    tags: value.tags?,
                    title: value.title?,
                })
            }
        }
        impl ::std::convert::From<super::UploadsCreateBody> for UploadsCreateBody {
            fn from(value: super::UploadsCreateBody) -> Self {
                Self {
                    file: Ok(value.file),
                    tags: Ok(value.tags),
                    title: Ok(value.title),
                }
            }
        }
    }
    /// Generation of default values for serde.
    pub mod defaults {
        pub(super) fn default_u64<T, const V: u64>() -> T
        where
            T: ::std::convert::TryFrom<u64>,
            <T as ::std::convert::TryFrom<u64>>::Error: ::std::fmt::Debug,
        {
            T::try_from(V).unwrap()
        }
        pub(super) fn run_level() -> super::RunLevel {
            super::RunLevel::X1
        }
    }
    /// Error types.
    pub mod error {
        /// Error from a `TryFrom` or `FromStr` implementation.
        pub struct ConversionError(::std::borrow::Cow<'static, str>);
        impl ::std::error::Error for ConversionError {}
        impl ::std::fmt::Display for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
        impl ::std::fmt::Debug for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Debug::fmt(&self.0, f)
            }
        }
        impl From<&'static str> for ConversionError {
            fn from(value: &'static str) -> Self {
                Self(value.into())
            }
        }
        impl From<String> for ConversionError {
            fn from(value: String) -> Self {
                Self(value.into())
            }
        }
    }
}
#[derive(Clone, Debug)]
/**Client for shapes edge contract v1

Operations runs/list, keys/list, things/get, things/delete, files/put, files/get, notes/put, reports/get, GET /ping, uploads/create, extractor/get taken from edge.openapi.yaml (info.version 2026.12.0). Generated by `cargo xtask contract extract`; edit only to record the provider's truth, and bump the file's vN for breaking changes.

Version: 1.0.0*/
pub struct Client {
    pub(crate) baseurl: String,
    pub(crate) client: reqwest::Client,
    pub(crate) inner: tether_runtime::Engine,
}
impl Client {
    /// Create a new client.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new(baseurl: &str, inner: tether_runtime::Engine) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        let client = {
            let dur = ::std::time::Duration::from_secs(15u64);
            reqwest::ClientBuilder::new().connect_timeout(dur).timeout(dur)
        };
        #[cfg(target_arch = "wasm32")]
        let client = reqwest::ClientBuilder::new();
        Self::new_with_client(baseurl, client.build().unwrap(), inner)
    }
    /// Construct a new client with an existing `reqwest::Client`,
    /// allowing more control over its configuration.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new_with_client(
        baseurl: &str,
        client: reqwest::Client,
        inner: tether_runtime::Engine,
    ) -> Self {
        Self {
            baseurl: baseurl.to_string(),
            client,
            inner,
        }
    }
}
impl ClientInfo<tether_runtime::Engine> for Client {
    fn api_version() -> &'static str {
        "1.0.0"
    }
    fn baseurl(&self) -> &str {
        self.baseurl.as_str()
    }
    fn client(&self) -> &reqwest::Client {
        &self.client
    }
    fn inner(&self) -> &tether_runtime::Engine {
        &self.inner
    }
}
const _: () = {
    #[allow(dead_code)]
    fn assert_client_hooks()
    where
        Client: ClientHooks<tether_runtime::Engine>,
    {}
};
impl Client {
    /**A list wrapped in an object (GitHub actions/list-workflow-runs-for-repo)

Sends a `GET` request to `/runs`

```ignore
let response = client.runs_list()
    .page(page)
    .per_page(per_page)
    .send()
    .await;
```*/
    pub fn runs_list(&self) -> builder::RunsList<'_> {
        builder::RunsList::new(self)
    }
    /**A page-size parameter on a response that is no page (SendGrid GET /api_keys)

Sends a `GET` request to `/keys`

```ignore
let response = client.keys_list()
    .include_revoked(include_revoked)
    .max_results(max_results)
    .per_page(per_page)
    .send()
    .await;
```*/
    pub fn keys_list(&self) -> builder::KeysList<'_> {
        builder::KeysList::new(self)
    }
    /**Optional and required header parameters (SendGrid on-behalf-of)

Sends a `GET` request to `/things/{id}`

```ignore
let response = client.things_get()
    .id(id)
    .on_behalf_of(on_behalf_of)
    .x_request_tag(x_request_tag)
    .send()
    .await;
```*/
    pub fn things_get(&self) -> builder::ThingsGet<'_> {
        builder::ThingsGet::new(self)
    }
    /**An empty 204

Sends a `DELETE` request to `/things/{id}`

```ignore
let response = client.things_delete()
    .id(id)
    .send()
    .await;
```*/
    pub fn things_delete(&self) -> builder::ThingsDelete<'_> {
        builder::ThingsDelete::new(self)
    }
    /**A binary response

Sends a `GET` request to `/files/{id}`

```ignore
let response = client.files_get()
    .id(id)
    .send()
    .await;
```*/
    pub fn files_get(&self) -> builder::FilesGet<'_> {
        builder::FilesGet::new(self)
    }
    /**A binary request body under its own media type

Sends a `PUT` request to `/files/{id}`

```ignore
let response = client.files_put()
    .id(id)
    .body(body)
    .send()
    .await;
```*/
    pub fn files_put(&self) -> builder::FilesPut<'_> {
        builder::FilesPut::new(self)
    }
    /**A text request body with a schema progenitor would refuse (maxLength)

Sends a `PUT` request to `/notes/{id}`

```ignore
let response = client.notes_put()
    .id(id)
    .body(body)
    .send()
    .await;
```*/
    pub fn notes_put(&self) -> builder::NotesPut<'_> {
        builder::NotesPut::new(self)
    }
    /**A vendor JSON media type

Sends a `GET` request to `/reports/{id}`

```ignore
let response = client.reports_get()
    .id(id)
    .send()
    .await;
```*/
    pub fn reports_get(&self) -> builder::ReportsGet<'_> {
        builder::ReportsGet::new(self)
    }
    /**A multipart/form-data body with a file (WhatsApp SetGroupIcon)

Sends a `POST` request to `/uploads`

```ignore
let response = client.uploads_create()
    .body(body)
    .send()
    .await;
```*/
    pub fn uploads_create(&self) -> builder::UploadsCreate<'_> {
        builder::UploadsCreate::new(self)
    }
    /**A parameter named like progenitor's locals
and a description with CR line breaks (VTEX)

Sends a `GET` request to `/extract/{id}`

```ignore
let response = client.extractor_get()
    .id(id)
    .url(url)
    .send()
    .await;
```*/
    pub fn extractor_get(&self) -> builder::ExtractorGet<'_> {
        builder::ExtractorGet::new(self)
    }
    /**A JSON response without a schema (funtranslations)

Sends a `GET` request to `/ping`

```ignore
let response = client.get_ping()
    .send()
    .await;
```*/
    pub fn get_ping(&self) -> builder::GetPing<'_> {
        builder::GetPing::new(self)
    }
}
/// Types for composing operation parameters.
#[allow(clippy::all)]
pub mod builder {
    use super::types;
    #[allow(unused_imports)]
    use super::{
        encode_path, ByteStream, ClientInfo, ClientHooks, Error, OperationInfo,
        RequestBuilderExt, ResponseValue,
    };
    /**Builder for [`Client::runs_list`]

[`Client::runs_list`]: super::Client::runs_list*/
    #[derive(Debug, Clone)]
    pub struct RunsList<'a> {
        client: &'a super::Client,
        page: Result<Option<i64>, String>,
        per_page: Result<Option<i64>, String>,
    }
    impl<'a> RunsList<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                page: Ok(None),
                per_page: Ok(None),
            }
        }
        pub fn page<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<i64>,
        {
            self.page = value
                .try_into()
                .map(Some)
                .map_err(|_| "conversion to `i64` for page failed".to_string());
            self
        }
        pub fn per_page<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<i64>,
        {
            self.per_page = value
                .try_into()
                .map(Some)
                .map_err(|_| "conversion to `i64` for per_page failed".to_string());
            self
        }
        ///Sends a `GET` request to `/runs`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::RunsListResponse>, Error<()>> {
            let Self { client, page, per_page } = self;
            let page = page.map_err(Error::InvalidRequest)?;
            let per_page = per_page.map_err(Error::InvalidRequest)?;
            let url = format!("{}/runs", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .query(&progenitor_client::QueryParam::new("page", &page))
                .query(&progenitor_client::QueryParam::new("per_page", &per_page))
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "runs_list",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::keys_list`]

[`Client::keys_list`]: super::Client::keys_list*/
    #[derive(Debug, Clone)]
    pub struct KeysList<'a> {
        client: &'a super::Client,
        include_revoked: Result<Option<bool>, String>,
        max_results: Result<Option<i64>, String>,
        per_page: Result<Option<i64>, String>,
    }
    impl<'a> KeysList<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                include_revoked: Ok(None),
                max_results: Ok(None),
                per_page: Ok(None),
            }
        }
        pub fn include_revoked<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<bool>,
        {
            self.include_revoked = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `bool` for include_revoked failed".to_string()
                });
            self
        }
        pub fn max_results<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<i64>,
        {
            self.max_results = value
                .try_into()
                .map(Some)
                .map_err(|_| "conversion to `i64` for max_results failed".to_string());
            self
        }
        pub fn per_page<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<i64>,
        {
            self.per_page = value
                .try_into()
                .map(Some)
                .map_err(|_| "conversion to `i64` for per_page failed".to_string());
            self
        }
        ///Sends a `GET` request to `/keys`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::KeysListResponse>, Error<()>> {
            let Self { client, include_revoked, max_results, per_page } = self;
            let include_revoked = include_revoked.map_err(Error::InvalidRequest)?;
            let max_results = max_results.map_err(Error::InvalidRequest)?;
            let per_page = per_page.map_err(Error::InvalidRequest)?;
            let url = format!("{}/keys", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .query(
                    &progenitor_client::QueryParam::new(
                        "include_revoked",
                        &include_revoked,
                    ),
                )
                .query(&progenitor_client::QueryParam::new("maxResults", &max_results))
                .query(&progenitor_client::QueryParam::new("per_page", &per_page))
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "keys_list",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::things_get`]

[`Client::things_get`]: super::Client::things_get*/
    #[derive(Debug, Clone)]
    pub struct ThingsGet<'a> {
        client: &'a super::Client,
        id: Result<::std::string::String, String>,
        on_behalf_of: Result<Option<::std::string::String>, String>,
        x_request_tag: Result<::std::string::String, String>,
    }
    impl<'a> ThingsGet<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
                on_behalf_of: Ok(None),
                x_request_tag: Err("x_request_tag was not initialized".to_string()),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for id failed"
                        .to_string()
                });
            self
        }
        pub fn on_behalf_of<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.on_behalf_of = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for on_behalf_of failed"
                        .to_string()
                });
            self
        }
        pub fn x_request_tag<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.x_request_tag = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for x_request_tag failed"
                        .to_string()
                });
            self
        }
        ///Sends a `GET` request to `/things/{id}`
        pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<()>> {
            let Self { client, id, on_behalf_of, x_request_tag } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let on_behalf_of = on_behalf_of.map_err(Error::InvalidRequest)?;
            let x_request_tag = x_request_tag.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/things/{}", client.baseurl, encode_path(& id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(3usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = on_behalf_of {
                header_map.append("on-behalf-of", value.to_string().try_into()?);
            }
            header_map.append("x-request-tag", x_request_tag.to_string().try_into()?);
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "things_get",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::things_delete`]

[`Client::things_delete`]: super::Client::things_delete*/
    #[derive(Debug, Clone)]
    pub struct ThingsDelete<'a> {
        client: &'a super::Client,
        id: Result<::std::string::String, String>,
    }
    impl<'a> ThingsDelete<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for id failed"
                        .to_string()
                });
            self
        }
        ///Sends a `DELETE` request to `/things/{id}`
        pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
            let Self { client, id } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/things/{}", client.baseurl, encode_path(& id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client.client.delete(url).headers(header_map).build()?;
            let info = OperationInfo {
                operation_id: "things_delete",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                204u16 => Ok(ResponseValue::empty(response)),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::files_get`]

[`Client::files_get`]: super::Client::files_get*/
    #[derive(Debug, Clone)]
    pub struct FilesGet<'a> {
        client: &'a super::Client,
        id: Result<::std::string::String, String>,
    }
    impl<'a> FilesGet<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for id failed"
                        .to_string()
                });
            self
        }
        ///Sends a `GET` request to `/files/{id}`
        pub async fn send(self) -> Result<ResponseValue<ByteStream>, Error<()>> {
            let Self { client, id } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/files/{}", client.baseurl, encode_path(& id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client.client.get(url).headers(header_map).build()?;
            let info = OperationInfo {
                operation_id: "files_get",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => Ok(ResponseValue::stream(response)),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::files_put`]

[`Client::files_put`]: super::Client::files_put*/
    #[derive(Debug)]
    pub struct FilesPut<'a> {
        client: &'a super::Client,
        id: Result<::std::string::String, String>,
        body: Result<reqwest::Body, String>,
    }
    impl<'a> FilesPut<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
                body: Err("body was not initialized".to_string()),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for id failed"
                        .to_string()
                });
            self
        }
        pub fn body<B>(mut self, value: B) -> Self
        where
            B: std::convert::TryInto<reqwest::Body>,
        {
            self.body = value
                .try_into()
                .map_err(|_| {
                    "conversion to `reqwest::Body` for body failed".to_string()
                });
            self
        }
        ///Sends a `PUT` request to `/files/{id}`
        pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
            let Self { client, id, body } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let body = body.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/files/{}", client.baseurl, encode_path(& id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .put(url)
                .header(
                    ::reqwest::header::CONTENT_TYPE,
                    ::reqwest::header::HeaderValue::from_static(
                        "application/octet-stream",
                    ),
                )
                .body(body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "files_put",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                204u16 => Ok(ResponseValue::empty(response)),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::notes_put`]

[`Client::notes_put`]: super::Client::notes_put*/
    #[derive(Debug)]
    pub struct NotesPut<'a> {
        client: &'a super::Client,
        id: Result<::std::string::String, String>,
        body: Result<reqwest::Body, String>,
    }
    impl<'a> NotesPut<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
                body: Err("body was not initialized".to_string()),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for id failed"
                        .to_string()
                });
            self
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<String>,
        {
            self.body = value
                .try_into()
                .map_err(|_| "conversion to `String` for body failed".to_string())
                .map(|v| v.into());
            self
        }
        ///Sends a `PUT` request to `/notes/{id}`
        pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
            let Self { client, id, body } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let body = body.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/notes/{}", client.baseurl, encode_path(& id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .put(url)
                .header(
                    ::reqwest::header::CONTENT_TYPE,
                    ::reqwest::header::HeaderValue::from_static("text/plain"),
                )
                .body(body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "notes_put",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                204u16 => Ok(ResponseValue::empty(response)),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::reports_get`]

[`Client::reports_get`]: super::Client::reports_get*/
    #[derive(Debug, Clone)]
    pub struct ReportsGet<'a> {
        client: &'a super::Client,
        id: Result<::std::string::String, String>,
    }
    impl<'a> ReportsGet<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for id failed"
                        .to_string()
                });
            self
        }
        ///Sends a `GET` request to `/reports/{id}`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::ReportsGetResponse>, Error<()>> {
            let Self { client, id } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/reports/{}", client.baseurl, encode_path(& id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "reports_get",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::uploads_create`]

[`Client::uploads_create`]: super::Client::uploads_create*/
    #[derive(Debug, Clone)]
    pub struct UploadsCreate<'a> {
        client: &'a super::Client,
        body: Result<types::builder::UploadsCreateBody, String>,
    }
    impl<'a> UploadsCreate<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::UploadsCreateBody>,
            <V as std::convert::TryInto<
                types::UploadsCreateBody,
            >>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| {
                    format!("conversion to `UploadsCreateBody` for body failed: {}", s)
                });
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(
                types::builder::UploadsCreateBody,
            ) -> types::builder::UploadsCreateBody,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `POST` request to `/uploads`
        pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
            let Self { client, body } = self;
            let body = body
                .and_then(|v| {
                    types::UploadsCreateBody::try_from(v).map_err(|e| e.to_string())
                })
                .map_err(Error::InvalidRequest)?;
            let url = format!("{}/uploads", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .post(url)
                .json(&body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "uploads_create",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                201u16 => Ok(ResponseValue::empty(response)),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::extractor_get`]

[`Client::extractor_get`]: super::Client::extractor_get*/
    #[derive(Debug, Clone)]
    pub struct ExtractorGet<'a> {
        client: &'a super::Client,
        id: Result<::std::string::String, String>,
        url: Result<::std::string::String, String>,
    }
    impl<'a> ExtractorGet<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
                url: Err("url was not initialized".to_string()),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for id failed"
                        .to_string()
                });
            self
        }
        pub fn url<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.url = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for url failed"
                        .to_string()
                });
            self
        }
        ///Sends a `GET` request to `/extract/{id}`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::ExtractorGetResponse>, Error<()>> {
            let Self { client, id, url } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let url = url.map_err(Error::InvalidRequest)?;
            let _url = format!(
                "{}/extract/{}", client.baseurl, encode_path(& id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(_url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .query(&progenitor_client::QueryParam::new("url", &url))
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "extractor_get",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::get_ping`]

[`Client::get_ping`]: super::Client::get_ping*/
    #[derive(Debug, Clone)]
    pub struct GetPing<'a> {
        client: &'a super::Client,
    }
    impl<'a> GetPing<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self { client: client }
        }
        ///Sends a `GET` request to `/ping`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<::serde_json::Value>, Error<()>> {
            let Self { client } = self;
            let url = format!("{}/ping", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "get_ping",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
}
/// Items consumers will typically use such as the Client.
pub mod prelude {
    pub use self::super::Client;
}
