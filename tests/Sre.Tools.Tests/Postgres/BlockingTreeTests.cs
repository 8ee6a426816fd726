using Sre.Tools.Postgres.Checks;

namespace Sre.Tools.Tests.Postgres;

public sealed class BlockingTreeTests
{
    [Fact]
    public void Waiters_behind_a_chain_count_for_the_root_at_its_top()
    {
        // 10 blocks 11 and 12; 12 blocks 13; 13 blocks 14.
        var roots = BlockingTree.Roots(new Dictionary<int, int[]> { [11] = [10], [12] = [10], [13] = [12], [14] = [13] });

        var root = Assert.Single(roots);
        Assert.Equal(10, root.Pid);
        Assert.Equal([11, 12], root.DirectWaiters);
        Assert.Equal([11, 12, 13, 14], root.AllWaiters);
    }

    [Fact]
    public void Several_roots_are_ordered_by_how_many_sessions_wait_behind_them()
    {
        var roots = BlockingTree.Roots(new Dictionary<int, int[]> { [2] = [1], [4] = [3], [5] = [3], [6] = [3, 1] });

        Assert.Equal([3, 1], roots.Select(r => r.Pid));
        Assert.Equal([4, 5, 6], roots[0].AllWaiters);
        Assert.Equal([2, 6], roots[1].AllWaiters);
    }

    [Fact]
    public void A_pure_cycle_has_no_root()
    {
        Assert.Empty(BlockingTree.Roots(new Dictionary<int, int[]> { [1] = [2], [2] = [1] }));
    }

    [Fact]
    public void No_waiters_means_no_roots()
    {
        Assert.Empty(BlockingTree.Roots(new Dictionary<int, int[]>()));
    }
}
