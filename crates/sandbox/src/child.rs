//! What ad groups, keywords and product targets share: each lives under a campaign, is listed
//! with a [`ChildListBody`] and found by the id in its path. [`Child`] names an entity's
//! actions, paths and store reads; the list and get routes (describe and handler) are written
//! once here for all three.

use super::common::*;
use super::spec::{BoxFuture, DescribeInput, Operation, Route, SandboxError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use charter_store::model::{Advertiser, AdvertiserId, ParseError};
use charter_store::{Listing, SandboxDb, SandboxQuery, Written};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;

/// An entity under a campaign (an ad group, a keyword, a product target): its actions, paths,
/// names, view and store reads, all in Sponsored Products.
pub trait Child: Sized + Send + Sync + 'static {
    type Id: Copy + Send + Sync + fmt::Display;
    /// The resource kind, e.g. `keyword` (see [`resource`]).
    const KIND: &'static str;
    /// How errors name it, e.g. `ad group` ("ad group not found").
    const NAME: &'static str;
    /// The key of a listing's items, e.g. `keywords`.
    const ITEMS: &'static str;
    /// The path parameter of its id, e.g. `keywordId`.
    const PARAM: &'static str;
    const LIST: &'static str;
    const GET: &'static str;
    const CREATE: &'static str;
    const UPDATE: &'static str;
    const PATH_LIST: &'static str;
    const PATH_CREATE: &'static str;
    const PATH_ONE: &'static str;

    fn parse_id(raw: &str) -> Result<Self::Id, ParseError>;
    fn id(&self) -> Self::Id;
    /// The API's view of it.
    fn view(&self, currency: Currency) -> Value;
    /// One of the account's, by id.
    fn fetch<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        id: Self::Id,
    ) -> impl Future<Output = charter_store::Result<Option<Self>>> + Send + 'a;
    /// A window of the account's that match `query`.
    fn fetch_all<'a>(
        store: &'a SandboxDb,
        advertiser: &'a AdvertiserId,
        query: &'a SandboxQuery,
    ) -> impl Future<Output = charter_store::Result<Listing<Self>>> + Send + 'a;
}

/// The list route of `T` (`POST …/list`).
pub fn list_route<T: Child>() -> Route {
    Route::post(T::PATH_LIST, T::LIST, describe_list::<T>, list::<T>)
}

/// The get route of `T` (`GET …/{id}`).
pub fn get_route<T: Child>() -> Route {
    Route::get(T::PATH_ONE, T::GET, describe_get::<T>, get_one::<T>)
}

/// The id in the path; a malformed one is a 400 naming the parameter.
pub fn path_of<T: Child>(params: &BTreeMap<String, String>) -> Result<T::Id, SandboxError> {
    path_id(params, T::PARAM, T::parse_id)
}

/// The entity the path names: found on this account, else a 404.
pub async fn find<T: Child>(
    store: &SandboxDb,
    advertiser: &Advertiser,
    params: &BTreeMap<String, String>,
) -> Result<T, SandboxError> {
    let id = path_of::<T>(params)?;
    T::fetch(store, &advertiser.id, id)
        .await?
        .ok_or(SandboxError::NotFound(T::NAME))
}

/// Its resource name, `…:<kind>/<id>`.
pub fn res<T: Child>(advertiser: &Advertiser, x: &T) -> String {
    resource(advertiser, T::KIND, x.id())
}

/// The response of a write: the view, or a 409 when something was archived.
pub fn written<T: Child>(w: Written<T>, currency: Currency) -> Result<Json<Value>, SandboxError> {
    match w {
        Written::Done(x) => Ok(Json(x.view(currency))),
        Written::Archived(what) => Err(archived(what)),
    }
}

fn describe_list<T: Child>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        input.read::<ChildListBody>()?.query()?;
        Ok(op(T::LIST, collection(input.advertiser, T::KIND), None))
    })
}

fn describe_get<T: Child>(
    input: DescribeInput<'_>,
) -> BoxFuture<'_, Result<Operation, SandboxError>> {
    Box::pin(async move {
        let x = find::<T>(input.store, input.advertiser, input.params).await?;
        Ok(op(T::GET, res(input.advertiser, &x), None))
    })
}

async fn list<T: Child>(account: Account, body: Bytes) -> Result<Json<Value>, SandboxError> {
    let (query, window) = account.read::<ChildListBody>(&body)?.query()?;
    let found = T::fetch_all(&account.store, &account.advertiser().id, &query).await?;
    let items = found
        .items
        .iter()
        .map(|x| x.view(account.currency()))
        .collect();
    Ok(Json(listing(T::ITEMS, items, found.total, window)))
}

async fn get_one<T: Child>(
    account: Account,
    Path(params): Path<BTreeMap<String, String>>,
) -> Result<Json<Value>, SandboxError> {
    let x = find::<T>(&account.store, account.advertiser(), &params).await?;
    Ok(Json(x.view(account.currency())))
}
