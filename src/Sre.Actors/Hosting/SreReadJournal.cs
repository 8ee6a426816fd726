using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;

namespace Sre.Actors.Hosting;

/// <summary>The SQL read journal. Its constructor blocks for at most 5 s waiting for the write journal
/// to create its tables; on a busy machine (a first start, a loaded CI runner) that is not enough,
/// so creation is retried — nothing is created until that wait succeeds, so a retry is clean.</summary>
public static class SreReadJournal
{
    public static SqlReadJournal Get(ActorSystem system, int attempts = 6)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
            }
            catch (Exception e) when (attempt < attempts && e is AggregateException or AskTimeoutException or TimeoutException)
            {
                system.Log.Warning("The journal is not ready yet (attempt {0} of {1}): {2}", attempt, attempts, e.GetBaseException().Message);
            }
        }
    }
}
